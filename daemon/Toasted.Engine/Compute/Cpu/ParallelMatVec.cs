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

    internal static long Lines(int rows) => (rows + RowsPerLine - 1) / RowsPerLine;

    /// <summary>Lines [First, End) of all the jobs' lines laid end to end that part <paramref name="part"/> of
    /// <paramref name="parts"/> runs: as even as possible.</summary>
    internal static (long First, long End) LineShare(long lines, int parts, int part) => (lines * part / parts, lines * (part + 1) / parts);

    /// <summary>The rows of a job of <paramref name="jobRows"/> rows, whose lines start at <paramref name="jobFirstLine"/>,
    /// that the share of lines [<paramref name="shareFirst"/>, <paramref name="shareEnd"/>) covers: whole destination
    /// lines (the job's last may be partial), empty when the two do not meet.</summary>
    internal static (int First, int End) JobRows(long shareFirst, long shareEnd, long jobFirstLine, int jobRows)
    {
        long from = Math.Max(shareFirst, jobFirstLine) - jobFirstLine;
        long to = Math.Min(shareEnd, jobFirstLine + Lines(jobRows)) - jobFirstLine;
        return from < to ? ((int)(from * RowsPerLine), (int)Math.Min(to * RowsPerLine, jobRows)) : (0, 0);
    }

    private void RunPart(int part)
    {
        var (first, end) = LineShare(_lines, _parts, part);
        long jobFirstLine = 0;
        for (int j = 0; j < _jobCount && jobFirstLine < end; j++)
        {
            ref readonly var job = ref _jobs[j];
            var (from, to) = JobRows(first, end, jobFirstLine, job.Weight.Rows);
            if (from < to)
                QuantizedMatVec.Rows(job.Weight, _activations.AsSpan(job.ActivationOffset, job.ActivationBytes), from, to, job.Destination);
            jobFirstLine += Lines(job.Weight.Rows);
        }
    }
}
