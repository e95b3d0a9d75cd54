using System.Text.Json;
using NUnit.Framework;
using Toasted.Engine.Inference;
using Toasted.Engine.Sampling;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// stories260K, a real trained Llama, against llama.cpp's recorded runs of five prompts: the logits
/// at the last prompt position, and the 64-token greedy continuation.
/// </summary>
[Category("Conformance")]
public class RealModelTests
{
    /// <summary>stories260K is all F32: the budget of an F32 model.</summary>
    private const float LogitTolerance = 5e-3f;

    public static IEnumerable<TestCaseData> Prompts()
    {
        var path = Path.Combine(SharedKit.Root, "corpus/real/stories260K.json");
        if (!File.Exists(path))
        {
            yield return new TestCaseData(-1).SetName("Stories260K_prompts_need_the_test_kit");
            yield break;
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var count = doc.RootElement.GetProperty("prompts").GetArrayLength();
        for (int i = 0; i < count; i++) yield return new TestCaseData(i).SetName($"Stories260K_prompt_{i}_logits_and_greedy_continuation_match_llama_cpp");
    }

    [TestCaseSource(nameof(Prompts))]
    public void Prompt_logits_and_greedy_continuation_match(int index)
    {
        var record = RealModelGolden.Load(SharedKit.Require("corpus/real/stories260K.json"))[index];
        using var model = LoadedModel.Load(SharedKit.Require("corpus/real/stories260K.gguf"), new ModelLoadOptions { Threads = 2, ContextLength = 256 });
        using var session = model.CreateSession();

        var logits = session.Evaluate(record.PromptTokens, allLogits: false);
        var report = LogitComparison.Compare(logits, record.LastLogits, record.LastLogits.Length);
        TestContext.Out.WriteLine($"prompt {index}: {report}");
        Assert.That(report.MaxAbs, Is.LessThanOrEqualTo(LogitTolerance));

        // Greedy, teacher-forced: feed llama.cpp's token each step so one near-tie cannot derail the rest,
        // and require our argmax to agree wherever llama.cpp's margin is larger than our error could be.
        var agreed = 0;
        for (int step = 0; step < record.GreedyTokens.Length; step++)
        {
            if (step > 0) logits = session.Evaluate([record.GreedyTokens[step - 1]], allLogits: false);
            if (record.GreedyMargins[step] > 2 * LogitTolerance)
                Assert.That(Sampler.ArgMax(logits), Is.EqualTo(record.GreedyTokens[step]), $"greedy step {step}");
            if (Sampler.ArgMax(logits) == record.GreedyTokens[step]) agreed++;
        }
        TestContext.Out.WriteLine($"prompt {index}: argmax agrees at {agreed}/{record.GreedyTokens.Length} steps");
    }
}

/// <summary>The whole generation path — tokenizer, prefill, greedy decode, streaming detokenizer —
/// against llama.cpp's greedy text for each stories260K prompt.</summary>
[Category("Conformance")]
public class RealModelGenerationTests
{
    [TestCaseSource(typeof(RealModelTests), nameof(RealModelTests.Prompts))]
    public void Greedy_generation_streams_llama_cpp_continuation(int index)
    {
        var record = RealModelGolden.Load(SharedKit.Require("corpus/real/stories260K.json"))[index];
        using var model = LoadedModel.Load(SharedKit.Require("corpus/real/stories260K.gguf"), new ModelLoadOptions { Threads = 2, ContextLength = 256 });
        using var session = model.CreateSession();
        var prompt = model.Tokenizer.Encode(record.Prompt, addSpecial: true, parseSpecial: true);
        Assert.That(prompt, Is.EqualTo(record.PromptTokens), "prompt tokens");

        var pieces = new List<string>();
        var result = session.Generate(prompt, new GenerationOptions
        {
            Sampling = SamplingOptions.Greedy,
            MaxTokens = record.GreedyTokens.Length,
            ContinuesPrompt = true,
        }, pieces.Add, CancellationToken.None);

        // A continuation keeps each token's piece whole, the first one's leading space included.
        Assert.That(string.Concat(pieces), Is.EqualTo(string.Concat(record.GreedyPieces)));
        Assert.That(result.StopReason, Is.EqualTo(StopReason.MaxTokens));
        Assert.That(result.CompletionTokens, Is.EqualTo(record.GreedyTokens.Length));
    }
}
