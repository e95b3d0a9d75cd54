namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// A fixed set of threads that run one parallel loop at a time. The calling thread works too, so a
/// pool of N threads has N − 1 workers, and a loop never waits for a worker that has not started:
/// indices are claimed from a counter that carries the loop's generation, the caller claims them
/// like any worker, and completion counts finished indices rather than checked-in workers. On a
/// busy machine a descheduled worker therefore costs nothing; a worker that wakes late for a loop
/// that has moved on claims nothing. Workers spin briefly between loops before sleeping, because a
/// forward pass issues loops back to back and a wake-up from sleep costs more than the spin.
/// <para>
/// Starting a loop takes no lock and allocates nothing: the caller writes the loop's body and count,
/// then publishes its generation; a spinning worker that sees the new generation reads them and claims
/// indices. A worker's claim succeeds only while its generation is current, and a generation stays
/// current until every index has been claimed and run, so the body and count a worker read before a
/// successful claim are that generation's. Only a worker that has gone to sleep needs the monitor, and
/// the caller takes it only when one has.
/// </para>
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private const int SpinIterations = 20_000;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private Action<int>? _body;
    private int _count;
    private long _claims;      // (generation << 32) | next index to claim
    private int _completed;
    private long _generation;
    private int _sleepers;     // workers that are, or are about to be, waiting on _gate
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        _workers = new Thread[Threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"toasted-compute-{i + 1}" };
            _workers[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs body(0) … body(count − 1) across the pool and returns when all are done.</summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (_workers.Length == 0 || count == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        long generation = (_generation + 1) & 0x7FFF_FFFF;
        Volatile.Write(ref _body, body);
        Volatile.Write(ref _count, count);
        Volatile.Write(ref _completed, 0);
        Volatile.Write(ref _claims, generation << 32);
        // A full fence between publishing the generation and reading the sleepers: a worker increments the
        // sleepers (also fenced) before it reads the generation, so either it sees this one or we see it.
        Interlocked.Exchange(ref _generation, generation);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);
        RunClaimed(generation, body, count);
        var spinner = new SpinWait();
        while (Volatile.Read(ref _completed) != count) spinner.SpinOnce(-1);
    }

    private void RunClaimed(long generation, Action<int> body, int count)
    {
        while (true)
        {
            var claims = Volatile.Read(ref _claims);
            if (claims >> 32 != generation) return;
            var index = (int)(claims & 0xFFFF_FFFF);
            if (index >= count) return;
            if (Interlocked.CompareExchange(ref _claims, claims + 1, claims) != claims) continue;
            body(index);
            Interlocked.Increment(ref _completed);
        }
    }

    private void WorkerLoop()
    {
        long seen = 0;
        while (true)
        {
            // Spin first: the next loop usually follows within microseconds.
            for (int spins = 0; Volatile.Read(ref _generation) == seen && !_stopping && spins < SpinIterations; spins++)
                Thread.SpinWait(20);
            if (Volatile.Read(ref _generation) == seen && !_stopping)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen && !_stopping) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            if (_stopping) return;
            seen = Volatile.Read(ref _generation);
            RunClaimed(seen, Volatile.Read(ref _body)!, Volatile.Read(ref _count));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var w in _workers) w.Join();
    }
}
