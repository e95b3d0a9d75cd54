namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Spreads matrix × vector products over the worker pool with a static partition. One call takes one product
/// or several (the chosen experts of a token): their rows are laid end to end, in 64-byte lines of their
/// destinations, and each thread gets one contiguous share of those lines, so several small products cost one
/// dispatch and every thread streams an equal share of the weights. A share starts on a destination line, so no
/// two threads write the same cache line. The loop body is one delegate created with the object and the
/// operands travel in fields, so a call allocates nothing once the job list has grown to its size.
/// </summary>
internal sealed unsafe class ParallelMatVec
{
    /// <summary>Floats per 64-byte line of the destination.</summary>
    private const int RowsPerLine = 16;

    private readonly WorkerPool _pool;
    private readonly Action<int> _part;
    private MatVecJob[] _jobs = new MatVecJob[1];
    private int _jobCount;
    private long _lines;
    private byte[]? _activations;
    private int _parts;

    public ParallelMatVec(WorkerPool pool)
    {
        _pool = pool;
        _part = RunPart;
    }

    /// <summary>destination[r] = row r of <paramref name="weight"/> · the first <paramref name="activationBytes"/> bytes of <paramref name="activation"/>, for every row.</summary>
    public void Run(CpuWeightTensor weight, byte[] activation, int activationBytes, float* destination)
    {
        Jobs(1)[0] = new MatVecJob(weight, 0, activationBytes, destination);
        RunJobs(1, activation);
    }

    /// <summary>A job list of at least <paramref name="count"/> entries for the caller to fill before <see cref="RunJobs"/>.</summary>
    public MatVecJob[] Jobs(int count)
    {
        if (_jobs.Length < count) _jobs = new MatVecJob[count];
        return _jobs;
    }

    /// <summary>Runs the first <paramref name="count"/> jobs of <see cref="Jobs"/>, whose activations are slices of <paramref name="activations"/>, in one dispatch.</summary>
    public void RunJobs(int count, byte[] activations)
    {
        long lines = 0;
        for (int j = 0; j < count; j++) lines += Lines(_jobs[j].Weight.Rows);
        if (lines == 0) return;
        _jobCount = count;
        _lines = lines;
        _activations = activations;
        _parts = (int)Math.Min(_pool.Threads, lines);
        try
        {
            _pool.For(_parts, _part);
        }
        finally
        {
            _activations = null;
            Array.Clear(_jobs, 0, count);
        }
    }

    /// <summary>Rows [First, End) of part <paramref name="part"/> of <paramref name="parts"/>: whole destination lines, as even as possible.</summary>
    internal static (int First, int End) Partition(int rows, int parts, int part)
    {
        var (first, end) = LineShare(Lines(rows), parts, part);
        return ((int)Math.Min(first * RowsPerLine, rows), (int)Math.Min(end * RowsPerLine, rows));
    }

    private static long Lines(int rows) => (rows + RowsPerLine - 1) / RowsPerLine;

    private static (long First, long End) LineShare(long lines, int parts, int part) => (lines * part / parts, lines * (part + 1) / parts);

    private void RunPart(int part)
    {
        var (first, end) = LineShare(_lines, _parts, part);
        long jobStart = 0;
        for (int j = 0; j < _jobCount && jobStart < end; j++)
        {
            ref readonly var job = ref _jobs[j];
            long jobLines = Lines(job.Weight.Rows);
            long from = Math.Max(first, jobStart) - jobStart, to = Math.Min(end, jobStart + jobLines) - jobStart;
            if (from < to)
                QuantizedMatVec.Rows(job.Weight, _activations.AsSpan(job.ActivationOffset, job.ActivationBytes),
                    (int)(from * RowsPerLine), (int)Math.Min(to * RowsPerLine, job.Weight.Rows), job.Destination);
            jobStart += jobLines;
        }
    }
}
