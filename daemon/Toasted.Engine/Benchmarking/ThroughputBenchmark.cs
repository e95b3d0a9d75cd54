using System.Diagnostics;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Benchmarking;

/// <summary>
/// Measures prefill and decode speed the way llama-bench does, so rows compare one to one: random
/// tokens, an untimed warm-up, the KV cache filled to the test's depth before each timed repetition
/// (untimed), prefill timed over the whole prompt, generation timed one token per step with no
/// sampling cost.
/// </summary>
public sealed class ThroughputBenchmark(LoadedModel model)
{
    public ThroughputResult Run(ThroughputTest test, int repetitions, CancellationToken cancellationToken = default)
    {
        var vocab = model.Architecture.HyperParameters.VocabSize;
        var random = new Random(1234);
        int RandomToken() => random.Next(vocab);
        int[] RandomTokens(int n) => Enumerable.Range(0, n).Select(_ => RandomToken()).ToArray();
        var context = test.Depth + test.Prompt + test.Generate + 1;
        using var session = model.CreateSession(context);

        // Warm-up, untimed: one prompt batch or one generated token.
        session.Evaluate(test.Prompt > 0 ? RandomTokens(Math.Min(test.Prompt, InferenceSession.MaxBatch)) : [RandomToken()], allLogits: false, cancellationToken);

        var samples = new List<double>(repetitions);
        for (int r = 0; r < repetitions; r++)
        {
            session.Truncate(0);
            if (test.Depth > 0) session.Evaluate(RandomTokens(test.Depth), allLogits: false, cancellationToken);
            var prompt = RandomTokens(test.Prompt);
            var clock = Stopwatch.StartNew();
            if (test.Prompt > 0)
            {
                session.Evaluate(prompt, allLogits: false, cancellationToken);
            }
            else
            {
                var token = RandomToken();
                for (int i = 0; i < test.Generate; i++)
                    session.Evaluate([token], allLogits: false, cancellationToken);
            }
            samples.Add(clock.Elapsed.TotalNanoseconds);
        }
        return new ThroughputResult(test, model.Backend.Threads, samples);
    }
}
