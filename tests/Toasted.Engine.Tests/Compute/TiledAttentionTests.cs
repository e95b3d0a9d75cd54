using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>
/// The tiled attention (<see cref="ParallelAttention"/> over <see cref="AttentionTile"/>s) against
/// the per-head path (<see cref="CausalAttention.Head"/>) on random caches, and the tile's vector
/// kernels against their scalar twins. The cases cover head dimensions 64, 80 and 128, one, four
/// and eight query heads per KV head, sliding windows, a batch after cached tokens, token counts that
/// are not a multiple of a tile's tokens, and one token (decode). Cached positions the attention
/// must not read hold NaN, so reading one shows in the result.
/// </summary>
[Category("Kernels")]
public unsafe class TiledAttentionTests
{
    private const int Layers = 2;
    private const int Layer = 1;

    private sealed class Case : IDisposable
    {
        public required int HeadDim, Heads, KvHeads, Window, FirstPosition, Tokens;
        public required CpuKvCache Cache;
        public required CpuBuffer Queries;
        public required AttentionParameters Attention;

        public int FirstKey(int position) => Window > 0 ? Math.Max(0, position - Window + 1) : 0;

        public void Dispose()
        {
            Cache.Dispose();
            Queries.Dispose();
        }
    }

    private static float Gaussian(Random rng) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));

    private static Case Build(int headDim, int heads, int kvHeads, int window, int firstPosition, int tokens, int seed)
    {
        var rng = new Random(seed);
        var end = firstPosition + tokens;
        var capacity = end + 9;
        var cache = new CpuKvCache(new KvCacheShape(Layers, kvHeads, headDim, capacity));
        var firstKey = window > 0 ? Math.Max(0, firstPosition - window + 1) : 0;
        for (int layer = 0; layer < Layers; layer++)
            for (int kvHead = 0; kvHead < kvHeads; kvHead++)
            {
                var offset = cache.HeadOffset(layer, kvHead);
                for (int p = 0; p < capacity; p++)
                    for (int d = 0; d < headDim; d++)
                    {
                        // Larger keys give peaked softmax rows, as trained models have.
                        var readable = p >= firstKey && p < end;
                        cache.Keys[offset + (long)p * headDim + d] = readable ? (Half)(2.5f * Gaussian(rng)) : Half.NaN;
                        cache.Values[offset + (long)p * headDim + d] = readable ? (Half)Gaussian(rng) : Half.NaN;
                    }
            }
        var queries = new CpuBuffer(tokens, heads * headDim);
        foreach (ref var q in queries.All) q = Gaussian(rng);
        return new Case
        {
            HeadDim = headDim, Heads = heads, KvHeads = kvHeads, Window = window, FirstPosition = firstPosition, Tokens = tokens,
            Cache = cache, Queries = queries,
            Attention = new AttentionParameters(heads, kvHeads, headDim, 1f / MathF.Sqrt(headDim), window),
        };
    }

    [TestCase(64, 8, 8, 0, 0, 37)]
    [TestCase(64, 32, 4, 0, 0, 21)]
    [TestCase(128, 16, 4, 0, 0, 13)]
    [TestCase(64, 32, 4, 0, 45, 19)]
    [TestCase(128, 8, 2, 7, 30, 23)]
    [TestCase(64, 8, 1, 16, 0, 70)]
    [TestCase(80, 4, 4, 0, 3, 9)]
    [TestCase(64, 32, 4, 0, 100, 1)]
    [TestCase(128, 8, 1, 32, 200, 1)]
    public void Tiled_attention_equals_the_per_head_path_within_one_f16_ulp_of_each_weight(int headDim, int heads, int kvHeads, int window, int firstPosition, int tokens)
    {
        using var c = Build(headDim, heads, kvHeads, window, firstPosition, tokens, seed: headDim * 1000 + heads * 10 + tokens);
        using var pool = new WorkerPool(2);
        using var tiled = new CpuBuffer(tokens, heads * headDim);
        new ParallelAttention(pool).Run(c.Cache, Layer, c.Queries, firstPosition, c.Attention, tiled);

        var group = heads / kvHeads;
        var expected = new float[headDim];
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
            {
                var position = firstPosition + t;
                var first = c.FirstKey(position);
                var offset = c.Cache.HeadOffset(Layer, h / group);
                CausalAttention.Head(c.Queries.Row(t).Slice(h * headDim, headDim), c.Cache.Keys + offset, c.Cache.Values + offset,
                    first, position + 1, headDim, c.Attention.Scale, expected);
                var ours = tiled.Row(t).Slice(h * headDim, headDim);
                for (int d = 0; d < headDim; d++)
                {
                    // The float scores differ by summation order only, so a weight's F16 rounding can
                    // differ by one F16 ulp at most: 2^-10 of a normal weight, 2^-24 of a subnormal
                    // one; the weights sum to 1. Plus float summation error of the products.
                    double largest = 0;
                    for (int p = first; p <= position; p++)
                        largest = Math.Max(largest, Math.Abs((float)c.Cache.Values[offset + (long)p * headDim + d]));
                    var bound = largest * (Math.Pow(2, -10) + (position + 1 - first) * Math.Pow(2, -24)) + 1e-5;
                    Assert.That(ours[d], Is.EqualTo(expected[d]).Within(bound), $"token {t}, head {h}, dimension {d}");
                }
            }
    }

    [TestCase(64, 8, 8, 0, 0, 37)]
    [TestCase(64, 32, 4, 0, 0, 21)]
    [TestCase(128, 16, 4, 0, 0, 13)]
    [TestCase(64, 32, 4, 0, 45, 19)]
    [TestCase(128, 8, 2, 7, 30, 23)]
    [TestCase(64, 8, 1, 16, 0, 70)]
    [TestCase(80, 4, 4, 0, 3, 9)]
    [TestCase(64, 32, 4, 0, 100, 1)]
    public void Tile_vector_kernels_equal_the_scalar_twins_bit_for_bit(int headDim, int heads, int kvHeads, int window, int firstPosition, int tokens)
    {
        using var c = Build(headDim, heads, kvHeads, window, firstPosition, tokens, seed: headDim + heads + tokens);
        using var vector = new CpuBuffer(tokens, heads * headDim);
        using var scalar = new CpuBuffer(tokens, heads * headDim);
        var group = heads / kvHeads;
        var scratch = new AttentionScratch();
        for (int kvHead = 0; kvHead < kvHeads; kvHead++)
        {
            var offset = c.Cache.HeadOffset(Layer, kvHead);
            // Tiles of 5 tokens: several per case, the last one short.
            for (int firstToken = 0; firstToken < tokens; firstToken += 5)
            {
                AttentionTile Tile(CpuBuffer output) => new(
                    c.Queries.Data + (long)firstToken * c.Queries.Columns, c.Queries.Columns,
                    output.Data + (long)firstToken * output.Columns, output.Columns,
                    kvHead * group, group, Math.Min(5, tokens - firstToken), firstPosition + firstToken,
                    c.Cache.Keys + offset, c.Cache.Values + offset, c.Cache.Shape.Capacity, headDim, c.Attention.Scale, window);
                Tile(vector).Compute(scratch);
                Tile(scalar).ComputeScalar(scratch);
            }
        }
        var v = vector.All.ToArray().Select(BitConverter.SingleToInt32Bits);
        var s = scalar.All.ToArray().Select(BitConverter.SingleToInt32Bits);
        Assert.That(v, Is.EqualTo(s));
        Assert.That(vector.All.ToArray().All(float.IsFinite), Is.True, "a position outside the rows' ranges was read");
    }
}
