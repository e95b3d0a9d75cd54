using NUnit.Framework;
using Toasted.Engine.Architectures;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;
using Toasted.Engine.Tests.Gguf;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// Our Gemma 3 forward pass against llama.cpp on the synthetic gemma3 models. Their window is 16
/// positions and layers 0 and 1 slide, so positions 16–63 of the batch and every greedy step check
/// sliding-window attention against llama.cpp's masks as well.
/// </summary>
[Category("Conformance")]
public class Gemma3ConformanceTests
{
    [Test]
    public void With_a_period_of_3_layers_0_and_1_slide_and_layer_2_is_global()
    {
        using var file = GgufFile.Open(ConformanceModels.PathOf("conf-gemma3-F16.gguf"));
        var gemma = new Gemma3();
        gemma.ReadHyperParameters(file.Metadata);
        Assert.That(Enumerable.Range(0, 3).Select(gemma.IsSlidingLayer), Is.EqualTo(new[] { true, true, false }));
    }

    /// <summary>
    /// The goldens cover the window: with a window as long as the context, the sliding layers keep
    /// their kind and rotary base but attend to all positions, and the logits still match llama.cpp
    /// where a position sees no more than 16 positions (where windowed and full attention agree) but
    /// leave it from position 16 on.
    /// </summary>
    [Test]
    public void Without_the_window_the_logits_leave_llama_cpp_from_position_16_on()
    {
        var golden = GoldenLogits.Load(SharedKit.Require("corpus/conformance/golden/conf-gemma3-F16.json"));
        using var scratch = new ScratchFolder();
        var path = scratch.PathOf("gemma3-no-window.gguf");
        RewrittenModel.Write(ConformanceModels.PathOf(golden.ModelFile), path, [],
            writer => writer.Set("gemma3.attention.sliding_window", 256u));
        float[] ours;
        using (var loaded = LoadedModel.Load(path, new ModelLoadOptions { Threads = 2, ContextLength = 256 }))
        using (var session = loaded.CreateSession())
            ours = session.Evaluate(golden.TokenIds, allLogits: true);

        var vocab = golden.VocabSize;
        var budget = LogitBudget.ByType["F16"];
        var within = LogitComparison.Compare(ours.AsSpan(0, 16 * vocab), golden.Logits.AsSpan(0, 16 * vocab), vocab);
        var beyond = LogitComparison.Compare(ours.AsSpan(16 * vocab), golden.Logits.AsSpan(16 * vocab), vocab);
        TestContext.Out.WriteLine($"positions 0–15: {within}; positions 16–63: {beyond}");
        Assert.That(within.MaxAbs, Is.LessThanOrEqualTo(budget.MaxAbs), "positions that see at most 16 positions");
        Assert.That(beyond.MaxAbs, Is.GreaterThan(10 * budget.MaxAbs), "positions that see more than 16 positions");
    }
    /// <summary>
    /// Final-logit soft-capping (absent from the goldens' files, present in some Gemma releases):
    /// with <c>final_logit_softcapping</c> = 3 added to the file, our logits are llama.cpp's uncapped
    /// ones mapped through 3·tanh(x/3), within the F16 budget (tanh only shrinks differences), and a
    /// <c>rope.freq_base_swa</c> of 10000 written out changes nothing, since that is the default.
    /// </summary>
    [Test]
    public void Final_logit_soft_capping_maps_llama_cpp_logits_through_tanh()
    {
        const float cap = 3f;
        var golden = GoldenLogits.Load(SharedKit.Require("corpus/conformance/golden/conf-gemma3-F16.json"));
        using var scratch = new ScratchFolder();
        var path = scratch.PathOf("gemma3-softcap.gguf");
        RewrittenModel.Write(ConformanceModels.PathOf(golden.ModelFile), path, [], writer => writer
            .Set("gemma3.final_logit_softcapping", cap)
            .Set("gemma3.rope.freq_base_swa", 10000f));
        float[] ours;
        using (var loaded = LoadedModel.Load(path, new ModelLoadOptions { Threads = 2, ContextLength = 256 }))
        using (var session = loaded.CreateSession())
            ours = session.Evaluate(golden.TokenIds, allLogits: true);

        var expected = golden.Logits.Select(x => (float)(cap * Math.Tanh(x / cap))).ToArray();
        var report = LogitComparison.Compare(ours, expected, golden.VocabSize);
        TestContext.Out.WriteLine($"soft-capped: {report}");
        Assert.That(report.MaxAbs, Is.LessThanOrEqualTo(LogitBudget.ByType["F16"].MaxAbs));
        Assert.That(ours.Max(Math.Abs), Is.LessThan(cap));
    }
}
