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
}
