using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The dispatching kernels against their scalar twins. Integer dots must agree to the bit (they perform
/// the same int sums and the same float steps); float dots may differ by summation order only.
/// Run under every instruction-set switch by <c>make test-isa</c>.
/// </summary>
[Category("Kernels")]
public class KernelTwinTests
{
    private static readonly GgmlType[] IntegerTypes = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.IQ4_XS, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL];
    private static readonly GgmlType[] FloatTypes = [GgmlType.F32, GgmlType.F16, GgmlType.BF16];
    private static readonly int[] BlockCounts = [1, 2, 3, 5, 7, 8, 9, 16, 33];
    private static readonly int[] FloatLengths = [1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 255, 1000, 4099];

    private static IEnumerable<TestCaseData> IntegerCases() =>
        from type in IntegerTypes
        from pattern in Enum.GetValues<RandomRows.Pattern>()
        select new TestCaseData(type, pattern).SetArgDisplayNames(type.ToString(), pattern.ToString());

    [TestCaseSource(nameof(IntegerCases))]
    public void Integer_dot_equals_scalar_twin_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(1234 + (int)type * 10 + (int)pattern);
        foreach (int blocks in BlockCounts)
        {
            int n = blocks * traits.BlockSize;
            var weights = RandomRows.WeightRow(type, blocks, rng, pattern);
            foreach (var x in new[] { RandomRows.Gaussian(rng, n), RandomRows.Saturating(rng, n), new float[n] })
            {
                var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
                ActivationQuantizer.QuantizeScalar(traits.ActivationType, x, activations);
                float expected = traits.DotScalar(weights, activations, n);
                float actual = traits.Dot(weights, activations, n);
                Assert.That(BitConverter.SingleToInt32Bits(actual), Is.EqualTo(BitConverter.SingleToInt32Bits(expected)),
                    $"{type} {pattern} with {blocks} blocks: {actual} vs scalar {expected}");
                Assert.That(float.IsFinite(expected), Is.True, "test data must stay finite to be meaningful");
            }
        }
    }

    private static IEnumerable<TestCaseData> AllTypesAllPatterns() =>
        from type in IntegerTypes.Concat(FloatTypes)
        from pattern in Enum.GetValues<RandomRows.Pattern>()
        select new TestCaseData(type, pattern).SetArgDisplayNames(type.ToString(), pattern.ToString());

    [TestCaseSource(nameof(AllTypesAllPatterns))]
    public void Dequantize_equals_scalar_twin_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(99 + (int)type + 7 * (int)pattern);
        foreach (int blocks in BlockCounts.Concat(traits.BlockSize == 1 ? FloatLengths : []))
        {
            int n = blocks * traits.BlockSize;
            var weights = RandomRows.WeightRow(type, blocks, rng, pattern);
            var expected = new float[n];
            var actual = new float[n];
            traits.DequantizeScalar(weights, expected);
            traits.Dequantize(weights, actual);
            for (int i = 0; i < n; i++)
            {
                if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                    Assert.Fail($"{type} {pattern} element {i} of {n}: {actual[i]} vs scalar {expected[i]}");
            }
        }
    }

    [Test]
    public void Every_half_dequantizes_to_the_value_the_runtime_gives_it()
    {
        // All 65536 bit patterns (subnormals, infinities, NaN payloads, both zeros) through the vector path
        // and the scalar twin, against .NET's own Half → float conversion as the independent truth. NaNs
        // keep their sign and payload here; the runtime (like F16C) also sets the quiet bit, so for NaNs
        // only NaN-ness and sign are compared with it.
        var halves = new byte[2 * 65536];
        for (int bits = 0; bits < 65536; bits++) BitConverter.TryWriteBytes(halves.AsSpan(2 * bits), (ushort)bits);
        var vector = new float[65536];
        var scalar = new float[65536];
        F16Kernels.Dequantize(halves, vector);
        F16Kernels.DequantizeScalar(halves, scalar);
        for (int bits = 0; bits < 65536; bits++)
        {
            if (BitConverter.SingleToInt32Bits(vector[bits]) != BitConverter.SingleToInt32Bits(scalar[bits]))
                Assert.Fail($"half 0x{bits:X4}: vector {vector[bits]} vs scalar {scalar[bits]}");
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            bool same = float.IsNaN(expected)
                ? float.IsNaN(scalar[bits]) && float.IsNegative(scalar[bits]) == float.IsNegative(expected)
                : BitConverter.SingleToInt32Bits(scalar[bits]) == BitConverter.SingleToInt32Bits(expected);
            if (!same) Assert.Fail($"half 0x{bits:X4}: {scalar[bits]} vs runtime {expected}");
        }
    }

    [TestCase(GgmlType.F32)]
    [TestCase(GgmlType.F16)]
    [TestCase(GgmlType.BF16)]
    public void Float_dot_equals_scalar_twin_up_to_summation_order(GgmlType type)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(77 + (int)type);
        foreach (int n in FloatLengths)
        {
            var weights = RandomRows.WeightRow(type, n, rng, RandomRows.Pattern.Random);
            var x = RandomRows.Gaussian(rng, n);
            var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
            ActivationQuantizer.Quantize(traits.ActivationType, x, activations);
            float expected = traits.DotScalar(weights, activations, n);
            float actual = traits.Dot(weights, activations, n);
            // Any two summation orders of n float products differ by at most about 2·n·eps·Σ|w·a|.
            var w = new float[n];
            var a = new float[n];
            traits.DequantizeScalar(weights, w);
            traits.DequantizeScalar(activations, a);
            double magnitude = 0;
            for (int i = 0; i < n; i++) magnitude += Math.Abs((double)w[i] * a[i]);
            double tolerance = 2.0 * n * 1.2e-7 * magnitude + 1e-30;
            Assert.That(Math.Abs(actual - expected), Is.LessThanOrEqualTo(tolerance), $"{type} n={n}");
        }
    }

    [TestCaseSource(nameof(IntegerTypeNames))]
    public void Dot_refuses_rows_that_are_too_short(GgmlType type)
    {
        var traits = QuantTraitsTable.Get(type);
        int n = 2 * traits.BlockSize;
        var weights = new byte[traits.RowBytes(n) - 1];
        var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
        Assert.Throws<ArgumentException>(() => traits.Dot(weights, activations, n));
        Assert.Throws<ArgumentException>(() => traits.Dot(new byte[traits.RowBytes(n)], activations.AsSpan(1), n));
    }

    private static IEnumerable<GgmlType> IntegerTypeNames() => IntegerTypes;
}
