using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

[Category("Kernels")]
public class ActivationQuantizerTests
{
    private static readonly int[] Q8_0Lengths = [32, 64, 96, 160, 1024, 4096 + 32];
    private static readonly int[] Q8_KLengths = [256, 512, 768, 2816];

    private static IEnumerable<float[]> Rows(int n, int seed)
    {
        var rng = new Random(seed);
        yield return RandomRows.Gaussian(rng, n);
        yield return RandomRows.Saturating(rng, n);
        var withZeroBlock = RandomRows.Gaussian(rng, n);
        Array.Clear(withZeroBlock, 0, Math.Min(n, 256));
        yield return withZeroBlock;
        // Exact ties: amax 127 gives the scale 1, so x.5 values must round to even as ggml does.
        var ties = new float[n];
        for (int i = 0; i < n; i++) ties[i] = i % 32 == 0 ? 127f : (i % 7) - 3.5f;
        yield return ties;
    }

    [TestCase(GgmlType.Q8_0)]
    [TestCase(GgmlType.Q8_K)]
    [TestCase(GgmlType.F16)]
    [TestCase(GgmlType.BF16)]
    [TestCase(GgmlType.F32)]
    public void Vector_quantizer_equals_scalar_twin_bit_for_bit(GgmlType type)
    {
        var lengths = type == GgmlType.Q8_0 ? Q8_0Lengths : type == GgmlType.Q8_K ? Q8_KLengths : Q8_0Lengths.Concat([1, 7, 9, 33]).ToArray();
        foreach (int n in lengths)
        {
            foreach (var x in Rows(n, n))
            {
                var expected = new byte[ActivationQuantizer.RowBytes(type, n)];
                var actual = new byte[expected.Length];
                ActivationQuantizer.QuantizeScalar(type, x, expected);
                ActivationQuantizer.Quantize(type, x, actual);
                Assert.That(actual, Is.EqualTo(expected), $"{type} n={n}");
            }
        }
    }

    [Test]
    public void Q8_0_rounds_half_to_even_with_the_unrounded_inverse_scale()
    {
        var x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f; x[2] = 3.5f; x[3] = -2.5f; x[4] = -0.5f; x[5] = 0.5f;
        var block = new byte[34];
        ActivationQuantizer.Quantize(GgmlType.Q8_0, x, block);
        Assert.That(BitConverter.ToHalf(block), Is.EqualTo((Half)1f));
        Assert.That(new[] { (sbyte)block[2], (sbyte)block[3], (sbyte)block[4], (sbyte)block[5], (sbyte)block[6], (sbyte)block[7] },
            Is.EqualTo(new sbyte[] { 127, 2, 4, -2, 0, 0 }));
    }

    [TestCase(GgmlType.Q8_0)]
    [TestCase(GgmlType.Q8_K)]
    public void Roundtrip_error_is_at_most_half_a_step_and_quants_stay_within_127(GgmlType type)
    {
        int blockSize = type == GgmlType.Q8_0 ? 32 : 256;
        int bytesPerBlock = type == GgmlType.Q8_0 ? 34 : 292;
        foreach (int n in type == GgmlType.Q8_0 ? Q8_0Lengths : Q8_KLengths)
        {
            foreach (var x in Rows(n, 5 + n))
            {
                var row = new byte[ActivationQuantizer.RowBytes(type, n)];
                ActivationQuantizer.Quantize(type, x, row);
                for (int b = 0; b < n / blockSize; b++)
                {
                    var block = row.AsSpan(b * bytesPerBlock, bytesPerBlock);
                    float amax = 0;
                    for (int j = 0; j < blockSize; j++) amax = Math.Max(amax, Math.Abs(x[b * blockSize + j]));
                    // The quants were made with the exact step amax/127; Q8_0 then stores the step as f16,
                    // which moves a dequantized value by at most 127·|f16(step) - step|.
                    double step = amax / 127.0;
                    double stored = type == GgmlType.Q8_0 ? (double)BitConverter.ToHalf(block) : BitConverter.ToSingle(block);
                    double bound = step / 2 + (type == GgmlType.Q8_0 ? 127 * Math.Abs(stored - step) : 0) + 1e-6 * amax;
                    int quantsOffset = type == GgmlType.Q8_0 ? 2 : 4;
                    for (int j = 0; j < blockSize; j++)
                    {
                        sbyte q = (sbyte)block[quantsOffset + j];
                        Assert.That(q, Is.InRange(-127, 127));
                        double error = Math.Abs(x[b * blockSize + j] - q * stored);
                        if (error > bound)
                            Assert.Fail($"{type} n={n} block {b} element {j}: x={x[b * blockSize + j]} q={q} d={stored} error {error} > {bound}");
                    }
                }
            }
        }
    }

    [Test]
    public void Q8_K_block_sums_are_the_sums_of_each_16_quants()
    {
        var x = RandomRows.Gaussian(new Random(3), 1024);
        var row = new byte[ActivationQuantizer.RowBytes(GgmlType.Q8_K, 1024)];
        ActivationQuantizer.Quantize(GgmlType.Q8_K, x, row);
        for (int b = 0; b < 4; b++)
        {
            var block = row.AsSpan(b * 292, 292);
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int j = 0; j < 16; j++) sum += (sbyte)block[4 + 16 * g + j];
                Assert.That(BitConverter.ToInt16(block[(260 + 2 * g)..]), Is.EqualTo(sum), $"block {b} group {g}");
            }
        }
    }

    [Test]
    public void Q8_K_scale_takes_the_sign_of_the_first_largest_element()
    {
        var negativeFirst = new float[256];
        negativeFirst[10] = -3f; negativeFirst[20] = 3f; negativeFirst[30] = 1f;
        var positiveFirst = (float[])negativeFirst.Clone();
        positiveFirst[10] = 3f; positiveFirst[20] = -3f;
        foreach (var (x, expectedSign) in new[] { (negativeFirst, 1), (positiveFirst, -1) })
        {
            var scalar = new byte[292];
            var vector = new byte[292];
            ActivationQuantizer.QuantizeScalar(GgmlType.Q8_K, x, scalar);
            ActivationQuantizer.Quantize(GgmlType.Q8_K, x, vector);
            Assert.That(vector, Is.EqualTo(scalar));
            float d = BitConverter.ToSingle(scalar);
            Assert.That(Math.Sign(d), Is.EqualTo(expectedSign));
            // The first largest element maps to -127 exactly (iscale = -127/max).
            Assert.That((sbyte)scalar[4 + 10], Is.EqualTo(-127));
        }
    }

    [Test]
    public void F16_rounding_matches_the_runtime_half_conversion()
    {
        var rng = new Random(11);
        var values = new List<float> { 0f, -0f, 65504f, 65519.996f, 65520f, -65520f, 1e-8f, 2.98e-8f, 5.96e-8f, 6.1e-5f, 6.103515625e-05f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon };
        for (int i = 0; i < 20000; i++)
        {
            // Random bit patterns cover every exponent, including half subnormals and overflow.
            uint bits = (uint)rng.NextInt64(0, 1L << 32);
            float v = BitConverter.UInt32BitsToSingle(bits);
            if (!float.IsNaN(v)) values.Add(v);
        }
        var x = values.ToArray();
        foreach (var quantize in new Action<ReadOnlySpan<float>, Span<byte>>[] {
            (s, d) => ActivationQuantizer.Quantize(GgmlType.F16, s, d),
            (s, d) => ActivationQuantizer.QuantizeScalar(GgmlType.F16, s, d) })
        {
            var bytes = new byte[2 * x.Length];
            quantize(x, bytes);
            for (int i = 0; i < x.Length; i++)
            {
                ushort expected = BitConverter.HalfToUInt16Bits((Half)x[i]);
                ushort actual = BitConverter.ToUInt16(bytes, 2 * i);
                if (actual != expected) Assert.Fail($"{x[i]:R}: 0x{actual:X4}, runtime says 0x{expected:X4}");
            }
        }
    }

    [Test]
    public void F16_widening_is_exact_for_every_bit_pattern()
    {
        var bytes = new byte[2 * 65536];
        for (int h = 0; h < 65536; h++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * h), (ushort)h);
        var traits = QuantTraitsTable.Get(GgmlType.F16);
        var vector = new float[65536];
        var scalar = new float[65536];
        traits.Dequantize(bytes, vector);
        traits.DequantizeScalar(bytes, scalar);
        for (int h = 0; h < 65536; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            foreach (var actual in new[] { vector[h], scalar[h] })
            {
                bool same = float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(actual) == BitConverter.SingleToInt32Bits(expected);
                if (!same) Assert.Fail($"half 0x{h:X4}: {actual:R}, expected {expected:R}");
            }
        }
    }

    [Test]
    public void BF16_rounds_to_nearest_even()
    {
        var rng = new Random(12);
        var x = new float[20000];
        for (int i = 0; i < x.Length; i++)
        {
            float v;
            do v = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)); while (float.IsNaN(v));
            x[i] = v;
        }
        x[0] = BitConverter.UInt32BitsToSingle(0x3F808000); // exact tie, lower neighbour even: stays 0x3F80
        x[1] = BitConverter.UInt32BitsToSingle(0x3F818000); // exact tie, lower neighbour odd: goes up to 0x3F82
        var bytes = new byte[2 * x.Length];
        ActivationQuantizer.Quantize(GgmlType.BF16, x, bytes);
        Assert.That(BitConverter.ToUInt16(bytes, 0), Is.EqualTo(0x3F80));
        Assert.That(BitConverter.ToUInt16(bytes, 2), Is.EqualTo(0x3F82));
        for (int i = 0; i < x.Length; i++)
        {
            ushort expected = NearestEvenBFloat16(x[i]);
            if (BitConverter.ToUInt16(bytes, 2 * i) != expected) Assert.Fail($"{x[i]:R}: 0x{BitConverter.ToUInt16(bytes, 2 * i):X4}, expected 0x{expected:X4}");
        }
    }

    /// <summary>Reference rounding by comparing the two neighbouring bf16 values in double precision.</summary>
    internal static ushort NearestEvenBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        ushort below = (ushort)(bits >> 16);
        if ((bits & 0xFFFF) == 0) return below;
        ushort above = (ushort)(below + 1);
        static double ValueOf(ushort b)
        {
            float f = BitConverter.UInt32BitsToSingle((uint)b << 16);
            return float.IsInfinity(f) ? Math.CopySign(Math.Pow(2, 128), f) : f;
        }
        double dBelow = Math.Abs(value - ValueOf(below)), dAbove = Math.Abs(value - ValueOf(above));
        if (dBelow != dAbove) return dBelow < dAbove ? below : above;
        return (below & 1) == 0 ? below : above;
    }
}
