using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>LongRoPE's per-pair frequency factors and attention factor in the rotary angles.</summary>
[Category("Kernels")]
public class RotaryFrequencyFactorTests
{
    [Test]
    public void Factors_of_one_change_nothing()
    {
        var plain = new RopeParameters(RopeMode.NeoX, 64, 10000f);
        var ones = plain with { FrequencyFactors = Enumerable.Repeat(1f, 32).ToArray() };
        Span<float> cos = stackalloc float[32], sin = stackalloc float[32], cos1 = stackalloc float[32], sin1 = stackalloc float[32];
        foreach (var position in new[] { 0, 1, 77, 4095 })
        {
            RotaryEmbedding.Angles(position, plain, cos, sin);
            RotaryEmbedding.Angles(position, ones, cos1, sin1);
            Assert.That(cos1.ToArray(), Is.EqualTo(cos.ToArray()));
            Assert.That(sin1.ToArray(), Is.EqualTo(sin.ToArray()));
        }
    }

    [Test]
    public void Each_pair_angle_is_divided_by_its_factor_and_the_rotation_scaled_by_the_attention_factor()
    {
        var factors = Enumerable.Range(0, 32).Select(i => 1f + i * 0.37f).ToArray();
        var rope = new RopeParameters(RopeMode.NeoX, 64, 10000f, FrequencyFactors: factors, AttentionFactor: 1.19f);
        Span<float> cos = stackalloc float[32], sin = stackalloc float[32];
        const int position = 3000;
        RotaryEmbedding.Angles(position, rope, cos, sin);
        for (int i = 0; i < 32; i++)
        {
            var angle = position * Math.Pow(10000, -2.0 * i / 64) / factors[i];
            // ggml builds θ by repeated float multiplication, so the angle is exact only to ~1e-6 relative.
            Assert.That(cos[i], Is.EqualTo(1.19 * Math.Cos(angle)).Within(5e-3), $"pair {i} cos");
            Assert.That(sin[i], Is.EqualTo(1.19 * Math.Sin(angle)).Within(5e-3), $"pair {i} sin");
        }
    }
}
