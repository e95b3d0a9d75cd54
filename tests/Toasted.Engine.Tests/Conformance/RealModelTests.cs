using System.Text.Json;
using NUnit.Framework;
using Toasted.Engine.Inference;
using Toasted.Engine.Sampling;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>
/// The kit's real published models against llama.cpp's recorded runs of their prompts: the logits at
/// the last prompt position, and the greedy continuation. stories260K is a trained Llama (F32);
/// llama-2-tiny-random has random F16 weights behind the real 32,000-token Llama-2 vocabulary.
/// </summary>
[Category("Conformance")]
public class RealModelTests
{
    /// <summary>The kit's real models: file stem, test-name prefix, and the logit budget of the weight type
    /// (F32, and F16 whose activations are rounded to F16 before each matmul).</summary>
    private static readonly (string Stem, string Title, float LogitTolerance)[] Models =
        [("stories260K", "Stories260K", 5e-3f), ("llama-2-tiny-random", "Llama2TinyRandom", 1e-2f)];

    public static IEnumerable<TestCaseData> Prompts()
    {
        foreach (var (stem, title, _) in Models)
        {
            var path = Path.Combine(SharedKit.Root, $"corpus/real/{stem}.json");
            if (!File.Exists(path))
            {
                yield return new TestCaseData(stem, -1).SetName($"{title}_prompts_need_the_test_kit");
                continue;
            }
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var count = doc.RootElement.GetProperty("prompts").GetArrayLength();
            for (int i = 0; i < count; i++)
                yield return new TestCaseData(stem, i).SetName($"{title}_prompt_{i}_logits_and_greedy_continuation_match_llama_cpp");
        }
    }

    [TestCaseSource(nameof(Prompts))]
    public void Prompt_logits_and_greedy_continuation_match(string stem, int index)
    {
        var record = RealModelGolden.Load(SharedKit.Require($"corpus/real/{stem}.json"))[index];
        var logitTolerance = Models.Single(m => m.Stem == stem).LogitTolerance;
        using var model = LoadedModel.Load(SharedKit.Require($"corpus/real/{stem}.gguf"), new ModelLoadOptions { Threads = 2, ContextLength = 256 });
        using var session = model.CreateSession();

        var logits = session.Evaluate(record.PromptTokens, allLogits: false);
        var report = LogitComparison.Compare(logits, record.LastLogits, record.LastLogits.Length);
        TestContext.Out.WriteLine($"prompt {index}: {report}");
        Assert.That(report.MaxAbs, Is.LessThanOrEqualTo(logitTolerance));

        // Greedy, teacher-forced: feed llama.cpp's token each step so one near-tie cannot derail the rest,
        // and require our argmax to agree wherever llama.cpp's margin is larger than our error could be.
        var agreed = 0;
        for (int step = 0; step < record.GreedyTokens.Length; step++)
        {
            if (step > 0) logits = session.Evaluate([record.GreedyTokens[step - 1]], allLogits: false);
            if (record.GreedyMargins[step] > 2 * logitTolerance)
                Assert.That(Sampler.ArgMax(logits), Is.EqualTo(record.GreedyTokens[step]), $"greedy step {step}");
            if (Sampler.ArgMax(logits) == record.GreedyTokens[step]) agreed++;
        }
        TestContext.Out.WriteLine($"prompt {index}: argmax agrees at {agreed}/{record.GreedyTokens.Length} steps");
    }
}

/// <summary>The whole generation path — tokenizer, prefill, greedy decode, streaming detokenizer —
/// against llama.cpp's greedy text for each prompt of the kit's real models.</summary>
[Category("Conformance")]
public class RealModelGenerationTests
{
    [TestCaseSource(typeof(RealModelTests), nameof(RealModelTests.Prompts))]
    public void Greedy_generation_streams_llama_cpp_continuation(string stem, int index)
    {
        var record = RealModelGolden.Load(SharedKit.Require($"corpus/real/{stem}.json"))[index];
        using var model = LoadedModel.Load(SharedKit.Require($"corpus/real/{stem}.gguf"), new ModelLoadOptions { Threads = 2, ContextLength = 256 });
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
