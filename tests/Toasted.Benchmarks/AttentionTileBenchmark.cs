using System.Diagnostics;
using System.Runtime.InteropServices;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Benchmarks;

/// <summary>
/// One decode attention tile on one thread: the eight query heads that share a KV head (TinyLlama's
/// grouping, head dimension 64) against <c>positions</c> cached F16 keys and values, as decode runs it at that
/// depth. The cache is small enough to stay in the second-level cache, so this times the arithmetic
/// (conversion, scores, softmax, weighted sum), not the memory. Best of many runs, in µs per tile and
/// in cached positions per µs.
/// </summary>
public static unsafe class AttentionTileBenchmark
{
    public static void Run(int positions, int repeats = 2000)
    {
        const int Group = 8, HeadDim = 64;
        var keys = (Half*)NativeMemory.AlignedAlloc((nuint)(positions * HeadDim * 2), 64);
        var values = (Half*)NativeMemory.AlignedAlloc((nuint)(positions * HeadDim * 2), 64);
        var queries = (float*)NativeMemory.AlignedAlloc(Group * HeadDim * 4, 64);
        var output = (float*)NativeMemory.AlignedAlloc(Group * HeadDim * 4, 64);
        try
        {
            var rng = new Random(5);
            for (int i = 0; i < positions * HeadDim; i++)
            {
                keys[i] = (Half)(rng.NextDouble() * 2 - 1);
                values[i] = (Half)(rng.NextDouble() * 2 - 1);
            }
            for (int i = 0; i < Group * HeadDim; i++) queries[i] = (float)(rng.NextDouble() * 2 - 1);
            var tile = new AttentionTile(queries, Group * HeadDim, output, Group * HeadDim, 0, Group, 1, positions - 1,
                keys, values, positions, HeadDim, 0.125f, 0);
            var scratch = AttentionScratch.ForCurrentThread;
            var best = double.MaxValue;
            for (int r = 0; r < repeats; r++)
            {
                var start = Stopwatch.GetTimestamp();
                tile.Compute(scratch);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
            Console.WriteLine($"attention tile, {Group} heads × {positions} positions, head dim {HeadDim}, 1 thread: {best:F1} µs ({positions / best:F1} positions per µs)");
        }
        finally
        {
            NativeMemory.AlignedFree(keys);
            NativeMemory.AlignedFree(values);
            NativeMemory.AlignedFree(queries);
            NativeMemory.AlignedFree(output);
        }
    }
}
