using NUnit.Framework;
using Toasted.Benchmarks;
using Toasted.Engine.Tests.Gguf;

namespace Toasted.Engine.Tests.Benchmarks;

/// <summary>
/// The bytes a decode token reads, which the benchmark divides the read bandwidth by, walked from the
/// file's tensors and checked against the same count made from the model's shape: Q8_0 spends 34
/// bytes on every 32 weights, norms and the router are F32, a token touches one embedding row
/// (all of them when the table is also the output), the experts its router picks, and 2 + 2 bytes
/// per key and value element of every cached position.
/// </summary>
public class DecodeTrafficTests
{
    private const double Q8_0BytesPerWeight = 34.0 / 32;

    private static readonly ModelShape Dense = ModelShape.Known["tinyllama-1.1b"] with
    {
        Name = "dense-miniature", Embedding = 256, Layers = 3, Heads = 4, KvHeads = 2, FeedForward = 512, Vocab = 384, Context = 128,
    };

    private static readonly ModelShape Experts = ModelShape.Known["qwen3-30b-a3b-scaled"] with
    {
        Name = "experts-miniature", Embedding = 256, Layers = 2, Heads = 4, KvHeads = 2, FeedForward = 512, Vocab = 384, Context = 128,
        HeadDimension = 128, Experts = new ExpertShape(Count: 8, Used: 2, FeedForward: 256),
    };

    [TestCase(false)]
    [TestCase(true)]
    public void A_dense_token_reads_every_matrix_once_and_one_embedding_row_unless_the_table_is_the_output(bool tied)
    {
        var shape = Dense with { TiedOutput = tied };
        var traffic = Measure(shape);

        var e = shape.Embedding;
        var attention = e * shape.Heads * shape.HeadDim * 2 + e * shape.KvHeads * shape.HeadDim * 2;
        var feedForward = 3L * e * shape.FeedForward;
        var perLayer = (attention + feedForward) * Q8_0BytesPerWeight + 2 * e * 4;
        var head = e * shape.Vocab * Q8_0BytesPerWeight + e * 4;
        var embedding = tied ? 0 : e * Q8_0BytesPerWeight;
        Assert.That(traffic.WeightBytes, Is.EqualTo(shape.Layers * perLayer + head + embedding));
        Assert.That(traffic.KvBytesPerPosition, Is.EqualTo(shape.Layers * shape.KvHeads * shape.HeadDim * (2 + 2)));
    }

    [Test]
    public void An_expert_token_reads_only_the_experts_its_router_picks()
    {
        var traffic = Measure(Experts);

        var e = Experts.Embedding;
        var experts = Experts.Experts!;
        var attention = e * Experts.Heads * Experts.HeadDim * 2 + e * Experts.KvHeads * Experts.HeadDim * 2;
        var chosen = 3L * experts.Used * e * experts.FeedForward;
        var norms = (2 * e + 2 * Experts.HeadDim) * 4;
        var router = e * experts.Count * 4;
        var perLayer = (attention + chosen) * Q8_0BytesPerWeight + norms + router;
        var head = e * Experts.Vocab * Q8_0BytesPerWeight + e * 4 + e * Q8_0BytesPerWeight;
        Assert.That(traffic.WeightBytes, Is.EqualTo(Experts.Layers * perLayer + head));
        Assert.That(traffic.KvBytesPerPosition, Is.EqualTo(Experts.Layers * Experts.KvHeads * 128 * (2 + 2)));
    }

    [Test]
    public void A_generated_token_attends_on_average_to_the_depth_and_half_the_run()
    {
        var traffic = new DecodeTraffic(WeightBytes: 1000, KvBytesPerPosition: 10);
        // Tokens at depth 4 attend to 5, 6 and 7 positions.
        Assert.That(traffic.BytesPerToken(depth: 4, generated: 3), Is.EqualTo(1000 + 10 * (5 + 6 + 7) / 3.0));
        Assert.That(traffic.BytesPerToken(depth: 0, generated: 1), Is.EqualTo(1000 + 10));
    }

    private static DecodeTraffic Measure(ModelShape shape)
    {
        using var folder = new ScratchFolder();
        var path = folder.PathOf($"{shape.Name}.gguf");
        SyntheticModel.Write(shape, "Q8_0", path);
        return DecodeTraffic.Of(path);
    }
}
