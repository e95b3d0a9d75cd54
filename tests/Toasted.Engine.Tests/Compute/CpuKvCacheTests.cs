using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>
/// The CPU KV cache is made ready to write: every element of a new cache is +0, whatever the memory held
/// before (each new cache is allocated after another of the same size was filled and freed), in sizes
/// below, at and above the point where it is rounded to whole huge pages.
/// </summary>
public unsafe class CpuKvCacheTests
{
    [TestCase(1, 1, 64, 16)]       // 2 KiB per half
    [TestCase(22, 4, 64, 129)]     // 1.45 MB: rounded up to one huge page
    [TestCase(2, 3, 128, 4096)]    // 6 MiB
    public void A_new_cache_holds_zeros_in_every_key_and_value(int layers, int kvHeads, int headDim, int capacity)
    {
        var shape = new KvCacheShape(layers, kvHeads, headDim, capacity);
        long elements = (long)layers * kvHeads * headDim * capacity;
        for (int round = 0; round < 3; round++)
        {
            using var cache = new CpuKvCache(shape);
            var keys = (ushort*)cache.Keys;
            var values = (ushort*)cache.Values;
            for (long i = 0; i < elements; i++)
            {
                if (keys[i] != 0 || values[i] != 0)
                    Assert.Fail($"round {round}, element {i}: key bits 0x{keys[i]:X4}, value bits 0x{values[i]:X4}");
            }
            // Dirty the memory for the next round's cache, which may get the same pages back.
            new Span<byte>(keys, (int)Math.Min(elements * 2, int.MaxValue)).Fill(0xA5);
            new Span<byte>(values, (int)Math.Min(elements * 2, int.MaxValue)).Fill(0x5A);
        }
    }
}
