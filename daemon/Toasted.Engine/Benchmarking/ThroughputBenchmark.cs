using System.Diagnostics;
using System.Runtime;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Benchmarking;

/// <summary>
/// Measures prefill and decode speed the way llama-bench does, so rows compare one to one: random
/// tokens, an untimed warm-up, the KV cache filled to the test's depth before each timed repetition
/// (untimed), prefill timed over the whole prompt, generation timed one token per step with no
/// sampling cost.
/// <para>
/// llama-bench warms up with one prompt batch or one generated token: its code is compiled before it
/// runs. Ours reaches its compiled state during its first second or so of calls, as the runtime
/// recompiles the methods it finds hot, on a background thread that takes a core from the test; a
/// first repetition timed after a one-token warm-up ran 10–13 % slower than the next ones (and no
/// slower with tiered compilation off; <c>toasted bench -p 0 -n 64 -r 5 -t 2 -o json</c>, samples_ts). So the warm-up repeats its unit until the runtime has compiled no method for
/// <see cref="SettledFor"/>, within <see cref="WarmUpLimit"/>: the timed part measures the steady state a
/// daemon that stays up serves at, as llama-bench's does.
/// </para>
/// </summary>
public sealed class ThroughputBenchmark(LoadedModel model)
{
    /// <summary>How long the runtime must have compiled nothing before the warm-up ends. Its delay before it
    /// counts a method's calls is 100 ms; at 300 ms a first repetition was still slower in one run of two,
    /// at 600 ms in none of three (the warm-up of a decode test then lasts about 2 s).</summary>
    public static readonly TimeSpan SettledFor = TimeSpan.FromMilliseconds(600);

    /// <summary>The warm-up's bound, should compilation never go quiet.</summary>
    public static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(5);

    public ThroughputResult Run(ThroughputTest test, int repetitions, CancellationToken cancellationToken = default)
    {
        var vocab = model.Architecture.HyperParameters.VocabSize;
        var random = new Random(1234);
        int RandomToken() => random.Next(vocab);
        int[] RandomTokens(int n) => Enumerable.Range(0, n).Select(_ => RandomToken()).ToArray();
        var context = test.Depth + test.Prompt + test.Generate + 1;
        using var session = model.CreateSession(context);

        // Warm-up, untimed: one prompt batch or one generated token, repeated until compilation settles.
        var warmUp = Stopwatch.StartNew();
        var compiled = JitInfo.GetCompiledMethodCount();
        var quietSince = TimeSpan.Zero;
        do
        {
            session.Truncate(0);
            session.Evaluate(test.Prompt > 0 ? RandomTokens(Math.Min(test.Prompt, InferenceSession.MaxBatch)) : [RandomToken()], allLogits: false, cancellationToken);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != compiled) (compiled, quietSince) = (now, warmUp.Elapsed);
        }
        while (warmUp.Elapsed - quietSince < SettledFor && warmUp.Elapsed < WarmUpLimit);

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
