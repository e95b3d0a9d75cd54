using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Sampling;

namespace Toasted.Engine.Tests.Sampling;

public class SamplerTests
{
    private static float[] RandomLogits(int seed, int vocab = 300)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 10 - 5)).ToArray();
    }

    [Test]
    public void Temperature_zero_is_argmax_with_lowest_id_on_ties()
    {
        var logits = new float[] { 0.5f, 2f, -1f, 2f, 1.9f };
        Assert.That(new Sampler(SamplingOptions.Greedy).Sample(logits, []), Is.EqualTo(1));
    }

    [Test]
    public void Greedy_sampling_is_the_argmax_for_any_logits() =>
        Prop.ForAll<int>(seed =>
        {
            var logits = RandomLogits(seed);
            var best = Array.IndexOf(logits, logits.Max());
            return new Sampler(SamplingOptions.Greedy).Sample(logits, []) == best;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Same_seed_gives_the_same_sequence_and_another_seed_a_different_one()
    {
        var logits = Enumerable.Repeat(0f, 1000).ToArray(); // uniform: every draw depends on the seed
        var options = new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f, Seed = 42 };
        int[] Run(SamplingOptions o)
        {
            var sampler = new Sampler(o);
            return Enumerable.Range(0, 50).Select(_ => sampler.Sample(logits, [])).ToArray();
        }
        Assert.That(Run(options), Is.EqualTo(Run(options)));
        Assert.That(Run(options with { Seed = 43 }), Is.Not.EqualTo(Run(options)));
    }

    [Test]
    public void Top_k_only_ever_returns_one_of_the_k_largest_logits() =>
        Prop.ForAll<int, ulong>((seed, samplerSeed) =>
        {
            var logits = RandomLogits(seed);
            var allowed = logits.Select((l, i) => (l, i)).OrderByDescending(p => p.l).Take(5).Select(p => p.i).ToHashSet();
            var sampler = new Sampler(new SamplingOptions { Temperature = 5f, TopK = 5, TopP = 1f, MinP = 0f, Seed = samplerSeed });
            return Enumerable.Range(0, 20).All(_ => allowed.Contains(sampler.Sample(logits, [])));
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Min_p_excludes_tokens_far_less_likely_than_the_best()
    {
        // Probabilities ∝ e^logit: token 1 has e^-5 ≈ 0.7 % of token 0's probability, under min-p 5 %.
        var logits = new float[] { 0f, -5f, -0.1f };
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0.05f, Seed = 7 });
        var draws = Enumerable.Range(0, 500).Select(_ => sampler.Sample(logits, [])).ToHashSet();
        Assert.That(draws, Does.Not.Contain(1));
        Assert.That(draws, Is.EquivalentTo(new[] { 0, 2 }));
    }

    [Test]
    public void Top_p_keeps_the_smallest_set_reaching_the_mass()
    {
        // softmax([3, 0, 0, 0]) ≈ [0.87, 0.04, 0.04, 0.04]: top-p 0.8 keeps token 0 alone.
        var logits = new float[] { 3f, 0f, 0f, 0f };
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 0.8f, MinP = 0f, Seed = 1 });
        Assert.That(Enumerable.Range(0, 100).Select(_ => sampler.Sample(logits, [])).Distinct(), Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public void Repetition_penalty_moves_greedy_choice_away_from_recent_tokens()
    {
        var logits = new float[] { 2f, 1.5f, 0f };
        var options = SamplingOptions.Greedy with { RepeatPenalty = 1.5f };
        Assert.That(new Sampler(options).Sample(logits, [0]), Is.EqualTo(1), "2/1.5 < 1.5");
        Assert.That(new Sampler(options).Sample(logits, [2]), Is.EqualTo(0));
    }

    [Test]
    public void Draw_frequencies_follow_the_softmax_distribution()
    {
        var logits = new float[] { 0f, MathF.Log(3f) }; // probabilities 1/4 and 3/4
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f, Seed = 2024 });
        var ones = Enumerable.Range(0, 20000).Count(_ => sampler.Sample(logits, []) == 1);
        Assert.That(ones / 20000.0, Is.EqualTo(0.75).Within(0.015));
    }
}
