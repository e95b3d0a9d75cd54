using System.Runtime.Intrinsics;
using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// Q8_1, the activation format of Q4_1 and Q5_1: the same d and quants as Q8_0, plus s = f16(d · Σq)
/// made from the unrounded d, as ggml-cpu's x86 quantize_row_q8_1 does.
/// </summary>
[Category("Kernels")]
public class Q8_1ActivationTests
{
    private static readonly int[] Lengths = [32, 64, 96, 160, 1024, 4096 + 32];

    private static IEnumerable<float[]> Rows(int n, int seed)
    {
        var rng = new Random(seed);
        yield return RandomRows.Gaussian(rng, n);
        yield return RandomRows.Saturating(rng, n);
        var withZeroBlock = RandomRows.Gaussian(rng, n);
        Array.Clear(withZeroBlock, 0, 32);
        yield return withZeroBlock;
    }

    [Test]
    public void Vector_quantizer_equals_scalar_twin_bit_for_bit()
    {
        foreach (int n in Lengths)
        foreach (var x in Rows(n, n))
        {
            var expected = new byte[ActivationQuantizer.RowBytes(GgmlType.Q8_1, n)];
            var actual = new byte[expected.Length];
            ActivationQuantizer.QuantizeScalar(GgmlType.Q8_1, x, expected);
            ActivationQuantizer.Quantize(GgmlType.Q8_1, x, actual);
            Assert.That(actual, Is.EqualTo(expected), $"n={n}");
        }
    }

    [Test]
    public void Scale_and_quants_are_those_of_Q8_0_and_the_sum_is_f16_of_d_times_the_int_sum()
    {
        foreach (int n in Lengths)
        foreach (var x in Rows(n, 7 * n))
        {
            var q8_1 = new byte[ActivationQuantizer.RowBytes(GgmlType.Q8_1, n)];
            var q8_0 = new byte[ActivationQuantizer.RowBytes(GgmlType.Q8_0, n)];
            ActivationQuantizer.Quantize(GgmlType.Q8_1, x, q8_1);
            ActivationQuantizer.Quantize(GgmlType.Q8_0, x, q8_0);
            for (int b = 0; b < n / 32; b++)
            {
                var one = q8_1.AsSpan(36 * b, 36);
                var zero = q8_0.AsSpan(34 * b, 34);
                Assert.That(one[..2].ToArray(), Is.EqualTo(zero[..2].ToArray()), $"n={n} block {b} d");
                Assert.That(one[4..].ToArray(), Is.EqualTo(zero[2..].ToArray()), $"n={n} block {b} quants");
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = MathF.Max(amax, MathF.Abs(x[32 * b + j]));
                int sum = 0;
                for (int j = 0; j < 32; j++) sum += (sbyte)one[4 + j];
                Assert.That(BitConverter.ToHalf(one[2..]), Is.EqualTo((Half)(amax / 127f * sum)), $"n={n} block {b} s");
            }
        }
    }

    [Test]
    public void Portable_128_bit_int8_dot_equals_the_scalar_sum()
    {
        var rng = new Random(5);
        var w = new sbyte[16];
        var a = new sbyte[16];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int i = 0; i < 16; i++)
            {
                // Extremes often: weights over the whole int8 range, activations within ±127.
                w[i] = trial % 3 == 0 ? (sbyte)(rng.Next(2) == 0 ? -128 : 127) : (sbyte)rng.Next(-128, 128);
                a[i] = trial % 3 == 0 ? (sbyte)(rng.Next(2) == 0 ? -127 : 127) : (sbyte)rng.Next(-127, 128);
            }
            int expected = 0;
            for (int i = 0; i < 16; i++) expected += w[i] * a[i];
            Assert.That(Int8Dot128.SumPortable(Vector128.Create(w), Vector128.Create(a)), Is.EqualTo(expected));
            Assert.That(Int8Dot128.Sum(Vector128.Create(w), Vector128.Create(a)), Is.EqualTo(expected));
        }
    }
}
