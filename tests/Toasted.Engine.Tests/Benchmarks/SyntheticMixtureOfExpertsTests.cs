using NUnit.Framework;
using Toasted.Benchmarks;
using Toasted.Engine.Architectures;
using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;
using Toasted.Engine.Tests.Gguf;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Benchmarks;

/// <summary>
/// The benchmark tool's Qwen3-30B-A3B-shaped synthetic model, written at miniature size (the full
/// file is about 2 GB): it must load as qwen3moe, run to finite logits, route tokens to many
/// experts, and carry the tensors and keys llama.cpp's own qwen3moe files carry, so that
/// llama-bench runs the same file.
/// </summary>
public class SyntheticMixtureOfExpertsTests
{
    private static readonly ModelShape FullSize = ModelShape.Known["qwen3-30b-a3b-scaled"];

    /// <summary>
    /// The full shape shrunk: 16 experts with 4 used, so routing has room to spread, and heads of
    /// 128 over a 256-wide embedding, so the head length cannot be taken for embedding / heads.
    /// Every row length stays a multiple of 256, as the K-quant super-blocks need.
    /// </summary>
    private static readonly ModelShape Miniature = FullSize with
    {
        Name = "qwen3moe-miniature",
        Embedding = 256, Layers = 2, Heads = 4, KvHeads = 2, FeedForward = 512, Vocab = 512, Context = 256,
        HeadDimension = 128,
        Experts = new ExpertShape(Count: 16, Used: 4, FeedForward: 256),
    };

    /// <summary>The shape of the kit's conf-qwen3moe models, which llama-quantize wrote.</summary>
    private static readonly ModelShape ConformanceShaped = FullSize with
    {
        Name = "qwen3moe-conformance-shaped",
        Embedding = 256, Layers = 2, Heads = 4, KvHeads = 2, FeedForward = 512, Vocab = 512, Context = 256,
        HeadDimension = 64,
        Experts = new ExpertShape(Count: 4, Used: 2, FeedForward: 256),
    };

    private static readonly int[] Prompt = [5, 300, 17, 411, 42, 260, 99, 508];

    [TestCase("Q4_0")]
    [TestCase("Q8_0")]
    [TestCase("Q4_K_M")]
    public void Miniature_loads_as_qwen3moe_and_gives_finite_logits(string type)
    {
        using var folder = new ScratchFolder();
        var path = folder.PathOf($"miniature-{type}.gguf");
        SyntheticModel.Write(Miniature, type, path);

        using var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = 2, ContextLength = 64 });
        Assert.That(model.Description.Architecture, Is.EqualTo("qwen3moe"));
        Assert.That(model.Architecture, Is.InstanceOf<Qwen3Moe>());
        var hp = model.Architecture.HyperParameters;
        Assert.Multiple(() =>
        {
            Assert.That(hp.EmbeddingLength, Is.EqualTo(Miniature.Embedding));
            Assert.That(hp.Layers, Is.EqualTo(Miniature.Layers));
            Assert.That(hp.Heads, Is.EqualTo(Miniature.Heads));
            Assert.That(hp.KvHeads, Is.EqualTo(Miniature.KvHeads));
            Assert.That(hp.HeadDim, Is.EqualTo(128));
            Assert.That(hp.VocabSize, Is.EqualTo(Miniature.Vocab));
            Assert.That(hp.RmsEpsilon, Is.EqualTo(1e-6f));
            Assert.That(hp.Rope.Base, Is.EqualTo(1_000_000f));
        });
        using (var file = GgufFile.Open(path))
        {
            var experts = MixtureOfExpertsParameters.Read(file.Metadata, "qwen3moe", normaliseWeights: true);
            Assert.That((experts.ExpertCount, experts.ExpertsUsed, experts.ExpertFeedForwardLength), Is.EqualTo((16, 4, 256)));
        }

        using var session = model.CreateSession();
        var logits = session.Evaluate(Prompt, allLogits: true);
        Assert.That(logits.All(float.IsFinite), "every logit finite");
        // Random weights give every position logits of its own; a pass stuck on a constant would not.
        var vocab = Miniature.Vocab;
        var firstRow = logits.AsSpan(0, vocab).ToArray();
        Assert.That(firstRow.Max() - firstRow.Min(), Is.GreaterThan(0f), "logits vary over the vocabulary");
        Assert.That(Enumerable.Range(1, Prompt.Length - 1).Any(p => !logits.AsSpan(p * vocab, vocab).SequenceEqual(firstRow)),
            "logits differ between positions");
    }

    [Test]
    public void Router_spreads_tokens_over_more_experts_than_one_token_uses()
    {
        using var folder = new ScratchFolder();
        var path = folder.PathOf("miniature-Q4_0.gguf");
        SyntheticModel.Write(Miniature, "Q4_0", path);
        using var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = 2, ContextLength = 64 });
        var architecture = model.Architecture;
        var hp = architecture.HyperParameters;
        var used = Miniature.Experts!.Used;

        // One forward pass driven by hand, so the scratch buffers it leaves behind can be read: after
        // it, the chosen-expert ids are the last layer's, one row of k per token.
        using var scratch = architecture.CreateScratch(model.Backend, Prompt.Length);
        using var cache = model.Backend.AllocateKvCache(new KvCacheShape(hp.Layers, hp.KvHeads, hp.HeadDim, Prompt.Length));
        using (var step = model.Backend.BeginStep())
        {
            architecture.Forward(step, scratch, Prompt, 0, cache, logitRows: 1);
            step.Submit();
        }
        var ids = new float[Prompt.Length * used];
        scratch.Experts!.ChosenIds.Slice(0, Prompt.Length).CopyTo(ids);
        var chosen = ids.Select(id => (int)id).ToArray();

        Assert.That(chosen, Is.All.InRange(0, Miniature.Experts.Count - 1));
        for (int t = 0; t < Prompt.Length; t++)
            Assert.That(chosen.Skip(t * used).Take(used).Distinct().Count(), Is.EqualTo(used), $"token {t} picks {used} different experts");
        var distinct = chosen.Distinct().Count();
        TestContext.Out.WriteLine($"{Prompt.Length} tokens chose {distinct} of {Miniature.Experts.Count} experts");
        Assert.That(distinct, Is.GreaterThan(used), "tokens are routed to different experts");
    }

    [Test]
    public void Conformance_shaped_file_has_the_tensors_and_keys_of_llama_quantize_output()
    {
        using var reference = GgufFile.Open(ConformanceModels.PathOf("conf-qwen3moe-Q4_K_M.gguf"));
        using var folder = new ScratchFolder();
        var path = folder.PathOf("conformance-shaped-Q4_K_M.gguf");
        SyntheticModel.Write(ConformanceShaped with { Vocab = (int)reference.Metadata.GetArray(GgufKeys.TokenizerTokens).Count }, "Q4_K_M", path);
        using var ours = GgufFile.Open(path);

        // Same names, shapes and types: the Q4_K_M mix, experts included, is llama-quantize's.
        static string[] Table(GgufFile file) => file.Tensors
            .Select(t => $"{t.Name} [{string.Join(", ", t.Dimensions)}] {t.Type}").Order(StringComparer.Ordinal).ToArray();
        Assert.That(Table(ours), Is.EqualTo(Table(reference)));

        // Every architecture key of the reference, with the same value, as the shapes are the same.
        var referenceKeys = reference.Metadata.Values.Keys.Where(k => k.StartsWith("qwen3moe.", StringComparison.Ordinal));
        foreach (var key in referenceKeys)
        {
            Assert.That(ours.Metadata.Contains(key), $"{key} is written");
            Assert.That(ours.Metadata.Get(key).AsDouble(), Is.EqualTo(reference.Metadata.Get(key).AsDouble()).Within(1e-9), key);
        }
    }
}
