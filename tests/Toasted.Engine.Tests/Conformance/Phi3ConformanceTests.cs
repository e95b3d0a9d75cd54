using System.Runtime.InteropServices;
using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;
using Toasted.Engine.Quantization;
using Toasted.Engine.Tests.Gguf;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>Our Phi-3 forward pass (fused QKV and gate+up projections) against llama.cpp on the
/// synthetic phi3 models, and how the sliding-window key and LongRoPE factors are treated.</summary>
[Category("Conformance")]
public class Phi3ConformanceTests
{
    private static float[] Logits(string path, int[] tokens, int contextLength)
    {
        using var loaded = LoadedModel.Load(path, new ModelLoadOptions { Threads = 2, ContextLength = contextLength });
        using var session = loaded.CreateSession();
        return session.Evaluate(tokens, allLogits: true);
    }

    /// <summary>
    /// A variant with a 4-position window, short factors of one and long factors above one: within
    /// the original 256-token context the logits are bit for bit those of the plain model (the window
    /// is ignored as llama.cpp ignores it, and the short factors change nothing); a 512-token context
    /// switches every position to the long factors, so every position but 0 (angle 0) changes.
    /// </summary>
    [Test]
    public void Sliding_window_is_ignored_and_long_rope_factors_apply_beyond_the_original_context()
    {
        var golden = GoldenLogits.Load(SharedKit.Require("corpus/conformance/golden/conf-phi3-F16.json"));
        var original = ConformanceModels.PathOf(golden.ModelFile);
        using var scratch = new ScratchFolder();
        var path = scratch.PathOf("phi3-longrope.gguf");
        var shortFactors = Enumerable.Repeat(1f, 32).ToArray();
        var longFactors = Enumerable.Range(0, 32).Select(i => 1f + 0.25f * i).ToArray();
        RewrittenModel.Write(original, path, [], writer => writer
            .Set("phi3.attention.sliding_window", 4u)
            .AddTensor("rope_factors_short.weight", GgmlType.F32, [32], MemoryMarshal.AsBytes(shortFactors.AsSpan()).ToArray())
            .AddTensor("rope_factors_long.weight", GgmlType.F32, [32], MemoryMarshal.AsBytes(longFactors.AsSpan()).ToArray()));

        var plain = Logits(original, golden.TokenIds, 256);
        Assert.That(Logits(path, golden.TokenIds, 256), Is.EqualTo(plain), "original context: window ignored, short factors of one");

        var vocab = golden.VocabSize;
        var plainLong = Logits(original, golden.TokenIds, 512);
        var scaled = Logits(path, golden.TokenIds, 512);
        Assert.That(scaled.AsSpan(0, vocab).ToArray(), Is.EqualTo(plainLong.AsSpan(0, vocab).ToArray()), "position 0 is not rotated");
        for (int p = 1; p < golden.TokenIds.Length; p++)
        {
            var difference = LogitComparison.Compare(scaled.AsSpan(p * vocab, vocab), plainLong.AsSpan(p * vocab, vocab), vocab);
            Assert.That(difference.MaxAbs, Is.GreaterThan(1e-3), $"position {p} rotates with the long factors");
        }
    }
}
