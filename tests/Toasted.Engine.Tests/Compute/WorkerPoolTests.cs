using NUnit.Framework;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

public class WorkerPoolTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void Every_index_runs_exactly_once_across_many_loops(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (int loop = 0; loop < 2000; loop++)
        {
            var count = loop % 37 + 1;
            var hits = new int[count];
            pool.For(count, i => Interlocked.Increment(ref hits[i]));
            Assert.That(hits, Is.All.EqualTo(1), $"loop {loop}");
        }
    }

    /// <summary>
    /// Between loops the workers spin, then sleep. A loop started after they have gone to sleep must wake them: every
    /// index here waits for all the others to have started, which only happens when each thread of the pool runs one.
    /// </summary>
    [TestCase(2)]
    [TestCase(4)]
    public void Sleeping_workers_wake_for_the_next_loop(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (int round = 0; round < 3; round++)
        {
            Thread.Sleep(300);
            using var started = new CountdownEvent(threads);
            var together = new bool[threads];
            pool.For(threads, i =>
            {
                started.Signal();
                together[i] = started.Wait(TimeSpan.FromSeconds(10));
            });
            Assert.That(together, Is.All.True, $"round {round}: not every thread of the pool took an index");
        }
    }
}
