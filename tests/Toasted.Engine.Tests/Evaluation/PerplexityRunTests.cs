using NUnit.Framework;
using Toasted.Engine.Evaluation;
using Toasted.Engine.Inference;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Evaluation;

/// <summary>The engine's perplexity against llama-perplexity's own figures for the same model and text.</summary>
public class PerplexityRunTests
{
    private static LoadedModel LoadStories() =>
        LoadedModel.Load(SharedKit.Require(LlamaPerplexityGolden.ModelFile), new ModelLoadOptions { Threads = 2 });

    private static string StoriesText() => PerplexityText.Read(SharedKit.Require(LlamaPerplexityGolden.TextFile));

    [TestCase(128)]
    [TestCase(256)]
    public void Running_and_final_perplexity_match_llama_perplexity(int contextLength)
    {
        var golden = LlamaPerplexityGolden.Load(contextLength);
        using var model = LoadStories();
        var result = new PerplexityRun(model, new PerplexityOptions { ContextLength = contextLength }).Run(StoriesText());

        Assert.That(result.Chunks, Is.EqualTo(golden.RunningPerplexity.Count));
        for (int i = 0; i < result.Chunks; i++)
        {
            Assert.That(result.RunningPerplexity[i], Is.EqualTo(golden.RunningPerplexity[i]).Within(LlamaPerplexityGolden.Tolerance(golden.RunningPerplexity[i], 4)),
                $"running estimate after chunk {i + 1}");
        }
        Assert.That(result.Perplexity, Is.EqualTo(golden.Perplexity).Within(LlamaPerplexityGolden.Tolerance(golden.Perplexity, 4)));
        Assert.That(result.Uncertainty, Is.EqualTo(golden.Uncertainty).Within(LlamaPerplexityGolden.Tolerance(golden.Uncertainty, 5)));
        // Per chunk, positions n_ctx/2 … n_ctx−2 are scored.
        Assert.That(result.ScoredTokens, Is.EqualTo(result.Chunks * (contextLength - contextLength / 2 - 1)));
    }

    [Test]
    public void Evaluating_a_chunk_in_several_batches_gives_the_figures_of_one_batch()
    {
        using var model = LoadStories();
        var text = StoriesText();
        var whole = new PerplexityRun(model, new PerplexityOptions { ContextLength = 128, MaxChunks = 3 }).Run(text);
        // 48 does not divide 128, and the second batch straddles the first scored position (64).
        var batched = new PerplexityRun(model, new PerplexityOptions { ContextLength = 128, BatchSize = 48, MaxChunks = 3 }).Run(text);
        Assert.That(batched.Chunks, Is.EqualTo(3));
        Assert.That(batched.ScoredTokens, Is.EqualTo(whole.ScoredTokens));
        for (int i = 0; i < 3; i++)
            Assert.That(batched.RunningPerplexity[i], Is.EqualTo(whole.RunningPerplexity[i]).Within(1e-4).Percent);
    }

    [Test]
    public void The_chunk_limit_takes_the_first_chunks()
    {
        using var model = LoadStories();
        var golden = LlamaPerplexityGolden.Load(128);
        var result = new PerplexityRun(model, new PerplexityOptions { ContextLength = 128, MaxChunks = 2 }).Run(StoriesText());
        Assert.That(result.Chunks, Is.EqualTo(2));
        Assert.That(result.Perplexity, Is.EqualTo(golden.RunningPerplexity[1]).Within(LlamaPerplexityGolden.Tolerance(golden.RunningPerplexity[1], 4)));
    }

    [Test]
    public void A_text_shorter_than_two_contexts_is_refused_before_any_evaluation()
    {
        using var model = LoadStories();
        var run = new PerplexityRun(model, new PerplexityOptions { ContextLength = 128 });
        var tokens = run.Tokenize("Once upon a time there was a little dog.");
        var error = Assert.Throws<PerplexityInputException>(() => run.Run(tokens))!;
        Assert.That(error.Message, Does.Contain("256").And.Contain(tokens.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase(0)]
    [TestCase(2)]
    public void A_context_that_scores_no_token_is_refused(int contextLength)
    {
        using var model = LoadStories();
        Assert.Throws<PerplexityInputException>(() => _ = new PerplexityRun(model, new PerplexityOptions { ContextLength = contextLength }));
    }

    [Test]
    public void Tokenization_adds_bos_as_llama_cpp_does()
    {
        using var model = LoadStories();
        var tokens = new PerplexityRun(model, new PerplexityOptions { ContextLength = 128 }).Tokenize("Once upon a time");
        Assert.That(tokens[0], Is.EqualTo(model.Tokenizer.BosId));
        Assert.That(tokens[1..], Is.EqualTo(model.Tokenizer.Encode("Once upon a time", addSpecial: false, parseSpecial: false)));
    }
}
