using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>
/// Sliding-window attention against a plain reference: softmax attention in double over only the
/// last W positions (the position itself included), on the F16-rounded keys and values the cache
/// holds. Both a whole batch (prefill) and single later positions (decode) are checked.
/// </summary>
[Category("Kernels")]
public class SlidingWindowAttentionTests
{
    private const int Heads = 4;
    private const int KvHeads = 2;
    private const int HeadDim = 16;
    private const int Positions = 40;
    private const int Window = 5;
    private const float Scale = 0.25f;

    private static float[] Gaussian(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();

    /// <summary>Attention of one query row, every head, over positions [first, position] in double.</summary>
    private static float[] Reference(float[] query, float[] keys, float[] values, int position, int window)
    {
        var kvDim = KvHeads * HeadDim;
        var output = new float[Heads * HeadDim];
        var first = window > 0 ? Math.Max(0, position - window + 1) : 0;
        for (int h = 0; h < Heads; h++)
        {
            var kvHead = h / (Heads / KvHeads);
            var scores = new double[position - first + 1];
            for (int p = first; p <= position; p++)
            {
                double dot = 0;
                for (int d = 0; d < HeadDim; d++)
                    dot += (double)query[h * HeadDim + d] * (float)(Half)keys[p * kvDim + kvHead * HeadDim + d];
                scores[p - first] = dot * Scale;
            }
            var max = scores.Max();
            var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
            var sum = weights.Sum();
            for (int d = 0; d < HeadDim; d++)
            {
                double acc = 0;
                for (int p = first; p <= position; p++)
                    acc += weights[p - first] / sum * (float)(Half)values[p * kvDim + kvHead * HeadDim + d];
                output[h * HeadDim + d] = (float)acc;
            }
        }
        return output;
    }

    private static float[] Read(ComputeBuffer buffer)
    {
        var values = new float[buffer.Rows * buffer.Columns];
        buffer.CopyTo(values);
        return values;
    }

    private static void Fill(ComputeBuffer buffer, float[] values) =>
        values.AsSpan().CopyTo(((CpuBuffer)buffer).All);

    [Test]
    public void Sliding_window_attention_equals_full_attention_over_the_last_window_positions()
    {
        var rng = new Random(20240601);
        var kvDim = KvHeads * HeadDim;
        var keys = Gaussian(rng, Positions * kvDim);
        var values = Gaussian(rng, Positions * kvDim);
        var queries = Gaussian(rng, Positions * Heads * HeadDim);
        var windowed = new AttentionParameters(Heads, KvHeads, HeadDim, Scale, Window);
        var full = windowed with { SlidingWindow = 0 };

        using var backend = new CpuBackend(2);
        using var cache = backend.AllocateKvCache(new KvCacheShape(1, KvHeads, HeadDim, 64));
        var k = backend.AllocateBuffer(Positions, kvDim);
        var v = backend.AllocateBuffer(Positions, kvDim);
        var q = backend.AllocateBuffer(Positions, Heads * HeadDim);
        var output = backend.AllocateBuffer(Positions, Heads * HeadDim);
        var fullOutput = backend.AllocateBuffer(Positions, Heads * HeadDim);
        Fill(k, keys);
        Fill(v, values);
        Fill(q, queries);
        var step = backend.BeginStep();
        step.StoreKv(cache, 0, k, v, 0);
        step.Attention(cache, 0, q, 0, windowed, output);
        step.Attention(cache, 0, q, 0, full, fullOutput);
        step.Submit();
        var ours = Read(output);
        var oursFull = Read(fullOutput);

        var rowLength = Heads * HeadDim;
        for (int p = 0; p < Positions; p++)
        {
            var query = queries.AsSpan(p * rowLength, rowLength).ToArray();
            var expected = Reference(query, keys, values, p, Window);
            var row = ours.AsSpan(p * rowLength, rowLength).ToArray();
            // F16 rounding of the query and of the softmax weights bounds the difference.
            for (int i = 0; i < rowLength; i++)
                Assert.That(row[i], Is.EqualTo(expected[i]).Within(3e-3), $"position {p}, element {i}");
            var fullRow = oursFull.AsSpan(p * rowLength, rowLength).ToArray();
            if (p < Window)
                Assert.That(row, Is.EqualTo(fullRow), $"position {p} sees fewer than {Window} positions: the window changes nothing");
            else
                Assert.That(row.Zip(fullRow).Max(x => Math.Abs(x.First - x.Second)), Is.GreaterThan(1e-2), $"position {p}: the window must exclude older positions");
        }

        // Decode: one query at a time, at later positions, reads the same window of the cache.
        var single = backend.AllocateBuffer(1, rowLength);
        var singleOutput = backend.AllocateBuffer(1, rowLength);
        foreach (var p in new[] { Window, 17, Positions - 1 })
        {
            var query = queries.AsSpan(p * rowLength, rowLength).ToArray();
            Fill(single, query);
            step.Attention(cache, 0, single, p, windowed, singleOutput);
            step.Submit();
            var expected = Reference(query, keys, values, p, Window);
            var row = Read(singleOutput);
            for (int i = 0; i < rowLength; i++)
                Assert.That(row[i], Is.EqualTo(expected[i]).Within(3e-3), $"decode at position {p}, element {i}");
        }
    }
}
