namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// A fixed set of threads that run one parallel loop at a time. The calling thread works too, so
/// a pool of N threads has N − 1 workers. Indices are handed out by an atomic counter, which keeps
/// uneven work (attention over growing contexts) balanced without any allocation per loop.
/// Workers spin briefly after a loop before sleeping, because forward passes issue loops
/// back to back and a wake-up from sleep costs more than the spin.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private const int SpinIterations = 20_000;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private Action<int>? _body;
    private int _count;
    private int _nextIndex;
    private int _busyWorkers;
    private long _generation;
    private bool _stopping;

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
        _body = body;
        _count = count;
        Volatile.Write(ref _nextIndex, 0);
        Volatile.Write(ref _busyWorkers, _workers.Length);
        lock (_gate)
        {
            _generation++;
            Monitor.PulseAll(_gate);
        }
        RunIndices(body, count);
        var spinner = new SpinWait();
        while (Volatile.Read(ref _busyWorkers) != 0) spinner.SpinOnce(-1);
        _body = null;
    }

    private void RunIndices(Action<int> body, int count)
    {
        int index;
        while ((index = Interlocked.Increment(ref _nextIndex) - 1) < count)
            body(index);
    }

    private void WorkerLoop()
    {
        long seen = 0;
        while (true)
        {
            // Spin first: the next loop usually follows within microseconds.
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen && !_stopping && spins < SpinIterations)
            {
                Thread.SpinWait(20);
                spins++;
            }
            lock (_gate)
            {
                while (_generation == seen && !_stopping) Monitor.Wait(_gate);
                if (_stopping) return;
                seen = _generation;
            }
            var body = _body!;
            RunIndices(body, _count);
            Interlocked.Decrement(ref _busyWorkers);
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
