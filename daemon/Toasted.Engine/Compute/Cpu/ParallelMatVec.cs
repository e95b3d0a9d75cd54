namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Spreads one matrix × vector over the worker pool with a static partition: each thread gets one
/// contiguous range of rows, starting on a 64-byte line of the destination so that no two threads write
/// the same cache line. Decode is bound by memory bandwidth, and equal ranges keep every core streaming.
/// The loop body is one delegate created with the object and the operands travel in fields, so a call
/// allocates nothing.
/// </summary>
internal sealed unsafe class ParallelMatVec
{
    /// <summary>Floats per 64-byte line of the destination.</summary>
    private const int RowsPerLine = 16;

    private readonly WorkerPool _pool;
    private readonly Action<int> _part;
    private CpuWeightTensor? _weight;
    private byte[]? _activation;
    private int _activationBytes;
    private float* _destination;
    private int _parts;

    public ParallelMatVec(WorkerPool pool)
    {
        _pool = pool;
        _part = RunPart;
    }

    /// <summary>destination[r] = row r of <paramref name="weight"/> · the first <paramref name="activationBytes"/> bytes of <paramref name="activation"/>, for every row.</summary>
    public void Run(CpuWeightTensor weight, byte[] activation, int activationBytes, float* destination)
    {
        _weight = weight;
        _activation = activation;
        _activationBytes = activationBytes;
        _destination = destination;
        _parts = Math.Min(_pool.Threads, (weight.Rows + RowsPerLine - 1) / RowsPerLine);
        try
        {
            _pool.For(_parts, _part);
        }
        finally
        {
            _weight = null;
            _activation = null;
        }
    }

    /// <summary>Rows [First, End) of part <paramref name="part"/> of <paramref name="parts"/>: whole destination lines, as even as possible.</summary>
    internal static (int First, int End) Partition(int rows, int parts, int part)
    {
        long lines = (rows + RowsPerLine - 1) / RowsPerLine;
        int first = (int)(lines * part / parts * RowsPerLine);
        int end = (int)Math.Min(rows, lines * (part + 1) / parts * RowsPerLine);
        return (Math.Min(first, rows), end);
    }

    private void RunPart(int part)
    {
        var weight = _weight!;
        var (first, end) = Partition(weight.Rows, _parts, part);
        QuantizedMatVec.Rows(weight, _activation.AsSpan(0, _activationBytes), first, end, _destination);
    }
}
