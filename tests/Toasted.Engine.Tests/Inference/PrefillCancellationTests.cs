using NUnit.Framework;
using Toasted.Engine.Inference;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Inference;

/// <summary>A prefill stops between ops once cancelled, keeps only whole batches, and leaves the
/// session as good as before for the next prompt.</summary>
public class PrefillCancellationTests
{
    private static LoadedModel LoadStories() =>
        LoadedModel.Load(SharedKit.Require("corpus/real/stories260K.gguf"), new ModelLoadOptions { Threads = 2, ContextLength = 2048 });

    [Test]
    public void A_prefill_cancelled_after_its_first_batch_keeps_that_batch_and_the_next_prompt_gives_the_same_logits()
    {
        using var model = LoadStories();
        var tokens = Enumerable.Range(0, 1500).Select(index => 1 + (index * 37 % 500)).ToArray();
        float[] expected;
        using (var fresh = model.CreateSession())
            expected = fresh.Evaluate(tokens, allLogits: false);

        using var session = model.CreateSession();
        using var cancellation = new CancellationTokenSource();
        var batches = new List<int>();
        Assert.That(() => session.Evaluate(tokens, allLogits: false, done =>
        {
            batches.Add(done);
            cancellation.Cancel();
        }, cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(batches, Is.EqualTo(new[] { InferenceSession.MaxBatch }));
        Assert.That(session.CachedTokens, Has.Count.EqualTo(InferenceSession.MaxBatch));

        // The rest of the prompt on top of the kept batch: the same logits as in one go.
        var resumed = session.Evaluate(tokens.AsSpan(InferenceSession.MaxBatch), allLogits: false);
        Assert.That(resumed, Is.EqualTo(expected).Within(1e-5f));
    }

    [Test]
    public void A_cancellation_in_the_middle_of_a_batch_stops_it_and_keeps_nothing_of_it()
    {
        using var model = LoadStories();
        using var session = model.CreateSession();
        using var cancellation = new CancellationTokenSource();
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(5));
        var tokens = Enumerable.Range(0, 2000).Select(index => 1 + (index * 13 % 500)).ToArray();
        Assert.That(() => session.Evaluate(tokens, allLogits: false, null, cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(session.CachedTokens.Count % InferenceSession.MaxBatch, Is.Zero, "only whole batches are kept");
        Assert.That(session.CachedTokens.Count, Is.LessThan(tokens.Length));
    }

    [Test]
    public void A_generation_cancelled_in_prefill_reports_how_far_it_got()
    {
        using var model = LoadStories();
        using var session = model.CreateSession();
        using var cancellation = new CancellationTokenSource();
        var prompt = Enumerable.Range(0, 1200).Select(index => 1 + (index * 7 % 500)).ToArray();
        var progress = new List<(int Done, int Total)>();
        var result = session.Generate(prompt, new GenerationOptions { MaxTokens = 4 }, _ => { }, (done, total) =>
        {
            progress.Add((done, total));
            cancellation.Cancel();
        }, cancellation.Token);

        Assert.That(result.StopReason, Is.EqualTo(StopReason.Cancelled));
        Assert.That(result.PrefilledTokens, Is.EqualTo(InferenceSession.MaxBatch));
        Assert.That(progress, Is.EqualTo(new[] { (InferenceSession.MaxBatch, prompt.Length) }));
    }
}
