using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>
/// Rotary angles against ggml's formula worked by hand: pair i of a head with d rotated dimensions
/// turns by position · scale · base^(−2i/d) / factor[i]. With d = 8 and base 10⁴, base^(−2/d) = 0.1,
/// so at position 7 the unscaled angles are 7, 0.7, 0.07 and 0.007.
/// </summary>
public class RotaryEmbeddingTests
{
    private static readonly RopeParameters Rope = new(RopeMode.NeoX, Dimensions: 8, Base: 10000f);

    [Test]
    public void Frequency_factors_divide_each_pair_angle_as_ggml_does()
    {
        float[] factors = [1f, 2f, 4f, 8f];
        var cos = new float[4];
        var sin = new float[4];
        RotaryEmbedding.Angles(7, Rope with { FrequencyScale = 0.5f, FrequencyFactors = factors }, cos, sin);

        // 0.5 · (7, 0.7, 0.07, 0.007) / (1, 2, 4, 8) = 3.5, 0.175, 0.00875, 0.0004375
        double[] expected = [3.5, 0.175, 0.00875, 0.0004375];
        for (int i = 0; i < 4; i++)
        {
            Assert.That(cos[i], Is.EqualTo(Math.Cos(expected[i])).Within(2e-6), $"cos of pair {i}");
            Assert.That(sin[i], Is.EqualTo(Math.Sin(expected[i])).Within(2e-6), $"sin of pair {i}");
        }
    }

    [Test]
    public void No_frequency_factors_is_the_plain_rotation_bit_for_bit()
    {
        var plainCos = new float[4];
        var plainSin = new float[4];
        var onesCos = new float[4];
        var onesSin = new float[4];
        RotaryEmbedding.Angles(123, Rope, plainCos, plainSin);
        RotaryEmbedding.Angles(123, Rope with { FrequencyFactors = [1f, 1f, 1f, 1f] }, onesCos, onesSin);
        Assert.That(onesCos, Is.EqualTo(plainCos));
        Assert.That(onesSin, Is.EqualTo(plainSin));
    }

    [Test]
    public void Llama_3_low_frequency_factor_slows_the_last_pair_only()
    {
        // Llama 3.1's rope_freqs leaves fast pairs at 1 and divides slow ones by up to 8.
        var cos = new float[4];
        var sin = new float[4];
        RotaryEmbedding.Angles(1000, Rope with { FrequencyFactors = [1f, 1f, 1f, 8f] }, cos, sin);
        Assert.That(sin[3], Is.EqualTo(Math.Sin(1000 * 0.001 / 8)).Within(2e-6));
        Assert.That(sin[0], Is.EqualTo(Math.Sin(1000.0)).Within(1e-4));
    }

    [Test]
    public void Too_few_frequency_factors_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RotaryEmbedding.Angles(1, Rope with { FrequencyFactors = [1f, 2f] }, new float[4], new float[4]));
    }
}
