using NUnit.Framework;
using Toasted.Benchmarks;
using Toasted.Engine.Inference;
using Toasted.Engine.Tests.Gguf;

namespace Toasted.Engine.Tests.Inference;

/// <summary>
/// How the CPU backend cuts work between threads (rows of a matrix, tiles of attention, rows of the
/// row-wise ops) must not change a single bit: every output element is computed by one thread, in the
/// same order, whatever the thread count. A prompt long enough for the batched paths and a few decode
/// steps after it give the same logits with one thread and with three.
/// </summary>
public class ThreadCountTests
{
    private static readonly ModelShape Miniature = ModelShape.Known["tinyllama-1.1b"] with
    {
        Name = "thread-count-miniature", Embedding = 256, Layers = 2, Heads = 4, KvHeads = 2, FeedForward = 512, Vocab = 384, Context = 128,
    };

    private static readonly int[] Prompt = [1, 17, 300, 42, 99, 260, 5, 311, 78, 200, 150, 9, 64, 33, 281, 120, 7, 350, 12, 88];

    [TestCase("Q4_0")]
    [TestCase("Q8_0")]
    [TestCase("Q4_K_M")]
    public void One_thread_and_three_give_the_same_logits_bit_for_bit(string type)
    {
        using var folder = new ScratchFolder();
        var path = folder.PathOf($"miniature-{type}.gguf");
        SyntheticModel.Write(Miniature, type, path);

        var one = Run(path, threads: 1);
        var three = Run(path, threads: 3);
        Assert.That(one.Count, Is.EqualTo(three.Count));
        for (int step = 0; step < one.Count; step++)
        {
            Assert.That(one[step].All(float.IsFinite), $"step {step}: finite logits");
            Assert.That(three[step], Is.EqualTo(one[step]), $"step {step}: logits with three threads");
        }
    }

    /// <summary>The prompt's logits for every position, then three greedy decode steps' logits.</summary>
    private static List<float[]> Run(string path, int threads)
    {
        using var model = LoadedModel.Load(path, new ModelLoadOptions { Threads = threads, ContextLength = 64 });
        using var session = model.CreateSession();
        var steps = new List<float[]> { session.Evaluate(Prompt, allLogits: true).ToArray() };
        var vocab = Miniature.Vocab;
        for (int i = 0; i < 3; i++)
        {
            var last = steps[^1].AsSpan(steps[^1].Length - vocab, vocab);
            var next = last.IndexOf(MaxOf(last));
            steps.Add(session.Evaluate([next], allLogits: false).ToArray());
        }
        return steps;
    }

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values) max = Math.Max(max, v);
        return max;
    }
}
