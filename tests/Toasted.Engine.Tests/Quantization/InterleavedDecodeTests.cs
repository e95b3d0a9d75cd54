using System.Runtime.Intrinsics;
using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The interleaved decode layouts of Q4_0 (also IQ4_NL's), Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_XS: the vector kernels equal the layout's scalar twin to the bit, and the
/// twin, reading the regrouped bytes, equals the one-row <c>DotScalar</c> over the original rows up to the
/// rounding of a different summation order — which checks the regrouping itself against the file layout.
/// Run under every instruction-set switch by <c>make test-isa</c>.
/// </summary>
[Category("Kernels")]
public unsafe class InterleavedDecodeTests
{
    private delegate void Repacker(byte* rows, long rowBytes, int blocks, byte* destination);
    private delegate void GroupDots(byte* packed, int groups, int blocks, byte* activation, float* destination);

    /// <summary>A layout, its rows per group and the bytes of one group of a given block count.</summary>
    private sealed record Layout(GgmlType Type, Repacker Repack, GroupDots Scalar, GroupDots Vector, int RowsPerGroup, Func<int, long> GroupBytes);

    private static readonly Dictionary<GgmlType, Layout> Layouts = new()
    {
        [GgmlType.Q4_0] = new(GgmlType.Q4_0, Q4_0Interleaved.Repack, Q4_0Interleaved.DotGroupsScalar, Q4_0InterleavedKernels.DotGroups,
            Q4_0Interleaved.RowsPerGroup, Q4_0Interleaved.GroupBytes),
        [GgmlType.IQ4_NL] = new(GgmlType.IQ4_NL, Q4_0Interleaved.Repack, IQ4_NLInterleavedKernels.DotGroupsScalar, IQ4_NLInterleavedKernels.DotGroups,
            Q4_0Interleaved.RowsPerGroup, Q4_0Interleaved.GroupBytes),
        [GgmlType.Q4_1] = new(GgmlType.Q4_1, Block32ExtrasInterleaved.Repack<Q4_1Extras>, Block32ExtrasInterleaved.DotGroupsScalar<Q4_1Extras>,
            Block32ExtrasInterleavedKernels<Q4_1Extras>.DotGroups, Block32ExtrasInterleaved.RowsPerGroup, Block32ExtrasInterleaved.GroupBytes<Q4_1Extras>),
        [GgmlType.Q5_0] = new(GgmlType.Q5_0, Block32ExtrasInterleaved.Repack<Q5_0Extras>, Block32ExtrasInterleaved.DotGroupsScalar<Q5_0Extras>,
            Block32ExtrasInterleavedKernels<Q5_0Extras>.DotGroups, Block32ExtrasInterleaved.RowsPerGroup, Block32ExtrasInterleaved.GroupBytes<Q5_0Extras>),
        [GgmlType.Q5_1] = new(GgmlType.Q5_1, Block32ExtrasInterleaved.Repack<Q5_1Extras>, Block32ExtrasInterleaved.DotGroupsScalar<Q5_1Extras>,
            Block32ExtrasInterleavedKernels<Q5_1Extras>.DotGroups, Block32ExtrasInterleaved.RowsPerGroup, Block32ExtrasInterleaved.GroupBytes<Q5_1Extras>),
        [GgmlType.Q8_0] = new(GgmlType.Q8_0, Q8_0Interleaved.Repack, Q8_0Interleaved.DotGroupsScalar, Q8_0InterleavedKernels.DotGroups,
            Q8_0Interleaved.RowsPerGroup, Q8_0Interleaved.GroupBytes),
        [GgmlType.Q4_K] = new(GgmlType.Q4_K, Q4_KInterleaved.Repack, Q4_KInterleaved.DotGroupsScalar, Q4_KInterleavedKernels.DotGroups,
            Q4_KInterleaved.RowsPerGroup, Q4_KInterleaved.GroupBytes),
        [GgmlType.Q5_K] = new(GgmlType.Q5_K, Q5_KInterleaved.Repack, Q5_KInterleaved.DotGroupsScalar, Q5_KInterleavedKernels.DotGroups,
            Q5_KInterleaved.RowsPerGroup, Q5_KInterleaved.GroupBytes),
        [GgmlType.Q6_K] = new(GgmlType.Q6_K, Q6_KInterleaved.Repack, Q6_KInterleaved.DotGroupsScalar, Q6_KInterleavedKernels.DotGroups,
            Q6_KInterleaved.RowsPerGroup, Q6_KInterleaved.GroupBytes),
        [GgmlType.Q2_K] = new(GgmlType.Q2_K, Q2_KInterleaved.Repack, Q2_KInterleaved.DotGroupsScalar, Q2_KInterleavedKernels.DotGroups,
            Q2_KInterleaved.RowsPerGroup, Q2_KInterleaved.GroupBytes),
        [GgmlType.Q3_K] = new(GgmlType.Q3_K, Q3_KInterleaved.Repack, Q3_KInterleaved.DotGroupsScalar, Q3_KInterleavedKernels.DotGroups,
            Q3_KInterleaved.RowsPerGroup, Q3_KInterleaved.GroupBytes),
        [GgmlType.IQ4_XS] = new(GgmlType.IQ4_XS, IQ4_XSInterleaved.Repack, IQ4_XSInterleaved.DotGroupsScalar, IQ4_XSInterleavedKernels.DotGroups,
            IQ4_XSInterleaved.RowsPerGroup, IQ4_XSInterleaved.GroupBytes),
    };

    private static readonly int[] BlockCounts = [1, 2, 3, 8, 17, 64];
    private static readonly int[] GroupCounts = [1, 2, 3];

    /// <summary>Fewer super-blocks for the K-quants: each holds eight Q4_0 blocks' worth of elements.</summary>
    private static int[] BlockCountsOf(GgmlType type) => type is GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.IQ4_XS ? [1, 2, 3, 5, 8] : BlockCounts;

    private static IEnumerable<TestCaseData> Patterns() =>
        from type in new[] { GgmlType.Q4_0, GgmlType.IQ4_NL, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS }
        from pattern in Enum.GetValues<RandomRows.Pattern>()
        select new TestCaseData(type, pattern).SetArgDisplayNames(type.ToString(), pattern.ToString());

    /// <summary>The rows of <paramref name="groups"/> groups, random, with some f16 scales (Q4_K: d and dmin) zero, subnormal or negative.</summary>
    private static byte[] Rows(GgmlType type, int blocks, int groups, Random rng, RandomRows.Pattern pattern)
    {
        var rows = MultiRowDotTests.WeightRows(type, blocks, groups * Layouts[type].RowsPerGroup, rng, pattern);
        int blockBytes = QuantTraitsTable.Get(type).BytesPerBlock;
        int scaleOffset = type switch
        {
            GgmlType.Q6_K => Q6_KKernels.BytesPerBlock - 2, GgmlType.Q3_K => Q3_KKernels.ScaleOffset, GgmlType.Q2_K => Q2_KKernels.ScaleOffset, _ => 0,
        };
        ushort[] unusualScales = [0x0000, 0x8000, 0x0001, 0x03FF, 0x8201];
        for (int i = 0; i < rows.Length / blockBytes; i += 7)
            BitConverter.TryWriteBytes(rows.AsSpan(i * blockBytes + scaleOffset), unusualScales[i % unusualScales.Length]);
        if (type is GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q2_K)
        {
            int minOffset = type == GgmlType.Q2_K ? Q2_KKernels.MinScaleOffset : 2;
            for (int i = 3; i < rows.Length / blockBytes; i += 5)
                BitConverter.TryWriteBytes(rows.AsSpan(i * blockBytes + minOffset), unusualScales[i % unusualScales.Length]);
        }
        return rows;
    }

    private static byte[] Repacked(Layout layout, byte[] rows, int blocks, int groups)
    {
        long rowBytes = (long)blocks * QuantTraitsTable.Get(layout.Type).BytesPerBlock;
        long groupBytes = layout.GroupBytes(blocks);
        var packed = new byte[groups * groupBytes];
        fixed (byte* source = rows)
        fixed (byte* destination = packed)
        {
            for (int g = 0; g < groups; g++)
                layout.Repack(source + g * layout.RowsPerGroup * rowBytes, rowBytes, blocks, destination + g * groupBytes);
        }
        return packed;
    }

    [TestCaseSource(nameof(Patterns))]
    public void Interleaved_dot_equals_its_scalar_twin_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        var layout = Layouts[type];
        var rng = new Random(777 + (int)pattern + 100 * (int)type);
        var activationType = QuantTraitsTable.Get(type).ActivationType;
        foreach (int blocks in BlockCountsOf(type))
        foreach (int groups in GroupCounts)
        {
            int n = blocks * QuantTraitsTable.Get(type).BlockSize;
            var packed = Repacked(layout, Rows(type, blocks, groups, rng, pattern), blocks, groups);
            foreach (var x in new[] { RandomRows.Gaussian(rng, n), RandomRows.Saturating(rng, n), new float[n] })
            {
                var activation = new byte[ActivationQuantizer.RowBytes(activationType, n)];
                ActivationQuantizer.QuantizeScalar(activationType, x, activation);
                var expected = new float[groups * layout.RowsPerGroup];
                var actual = new float[groups * layout.RowsPerGroup + 1];
                actual[^1] = 12345f;
                fixed (byte* p = packed)
                fixed (byte* a = activation)
                fixed (float* e = expected)
                fixed (float* d = actual)
                {
                    layout.Scalar(p, groups, blocks, a, e);
                    layout.Vector(p, groups, blocks, a, d);
                }
                Assert.That(actual[^1], Is.EqualTo(12345f), "wrote past the last group");
                for (int r = 0; r < expected.Length; r++)
                {
                    Assert.That(BitConverter.SingleToInt32Bits(actual[r]), Is.EqualTo(BitConverter.SingleToInt32Bits(expected[r])),
                        $"{type} {pattern}, {blocks} blocks, row {r}: {actual[r]} vs twin {expected[r]}");
                    Assert.That(float.IsFinite(expected[r]), Is.True, "test data must stay finite to be meaningful");
                }
            }
        }
    }

    [TestCaseSource(nameof(Patterns))]
    public void Interleaved_twin_equals_one_row_dots_over_the_file_layout(GgmlType type, RandomRows.Pattern pattern)
    {
        var layout = Layouts[type];
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(991 + (int)pattern + 100 * (int)type);
        foreach (int blocks in BlockCountsOf(type))
        {
            const int groups = 2;
            int n = blocks * traits.BlockSize;
            var rows = Rows(type, blocks, groups, rng, pattern);
            var packed = Repacked(layout, rows, blocks, groups);
            var x = RandomRows.Gaussian(rng, n);
            var activation = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
            ActivationQuantizer.QuantizeScalar(traits.ActivationType, x, activation);
            var decodedActivation = DecodedActivation(traits.ActivationType, activation, n);
            var results = new float[groups * layout.RowsPerGroup];
            fixed (byte* p = packed)
            fixed (byte* a = activation)
            fixed (float* d = results)
                layout.Scalar(p, groups, blocks, a, d);

            var decodedRow = new float[n];
            int rowBytes = blocks * traits.BytesPerBlock;
            for (int r = 0; r < results.Length; r++)
            {
                var row = rows.AsSpan(r * rowBytes, rowBytes);
                float expected = traits.DotScalar(row, activation, n);
                traits.DequantizeScalar(row, decodedRow);
                double magnitude = 0;
                for (int i = 0; i < n; i++) magnitude += Math.Abs((double)decodedRow[i] * decodedActivation[i]);
                double tolerance = 2.0 * n * 1.2e-7 * magnitude + 1e-30;
                Assert.That(Math.Abs(results[r] - expected), Is.LessThanOrEqualTo(tolerance), $"{type} {pattern}, {blocks} blocks, row {r}: {results[r]} vs {expected}");
            }
        }
    }

    /// <summary>Q8_0 through its traits; Q8_1 as f16 d · q per 32-element block; Q8_K (no traits row of its own) as d · q per 256-element block.</summary>
    private static float[] DecodedActivation(GgmlType activationType, byte[] activation, int n)
    {
        var decoded = new float[n];
        if (activationType == GgmlType.Q8_1)
        {
            for (int b = 0; b < n / Q8_1Kernels.BlockSize; b++)
            {
                float d = (float)BitConverter.ToHalf(activation, b * Q8_1Kernels.BytesPerBlock);
                for (int j = 0; j < Q8_1Kernels.BlockSize; j++)
                    decoded[Q8_1Kernels.BlockSize * b + j] = d * (sbyte)activation[b * Q8_1Kernels.BytesPerBlock + 4 + j];
            }
            return decoded;
        }
        if (activationType != GgmlType.Q8_K)
        {
            QuantTraitsTable.Get(activationType).DequantizeScalar(activation, decoded);
            return decoded;
        }
        for (int b = 0; b < n / Q8_KKernels.BlockSize; b++)
        {
            float d = BitConverter.ToSingle(activation, b * Q8_KKernels.BytesPerBlock);
            for (int j = 0; j < Q8_KKernels.BlockSize; j++)
                decoded[Q8_KKernels.BlockSize * b + j] = d * (sbyte)activation[b * Q8_KKernels.BytesPerBlock + 4 + j];
        }
        return decoded;
    }

    /// <summary>
    /// Groups are whole 64-byte lines and stay within 3 % of the file's bytes (plus a line), except Q3_K's, whose sixteen
    /// 6-bit scales per row widen to bytes (a 144-byte header per column against the file's 8 × 14): within 6 %.
    /// </summary>
    [TestCase(GgmlType.Q4_0, 0.03)]
    [TestCase(GgmlType.IQ4_NL, 0.03)]
    [TestCase(GgmlType.Q4_1, 0.03)]
    [TestCase(GgmlType.Q5_0, 0.03)]
    [TestCase(GgmlType.Q5_1, 0.03)]
    [TestCase(GgmlType.Q8_0, 0.03)]
    [TestCase(GgmlType.Q2_K, 0.03)]
    [TestCase(GgmlType.Q3_K, 0.06)]
    [TestCase(GgmlType.Q4_K, 0.03)]
    [TestCase(GgmlType.Q5_K, 0.03)]
    [TestCase(GgmlType.Q6_K, 0.03)]
    [TestCase(GgmlType.IQ4_XS, 0.03)]
    public void Padded_groups_stay_near_the_file_rows_and_whole_lines(GgmlType type, double overhead)
    {
        foreach (int blocks in new[] { 1, 8, 9, 22, 64 })
        {
            long groupBytes = Layouts[type].GroupBytes(blocks);
            long fileBytes = (long)Layouts[type].RowsPerGroup * blocks * QuantTraitsTable.Get(type).BytesPerBlock;
            Assert.That(groupBytes % 64, Is.EqualTo(0), $"{blocks} blocks");
            Assert.That(groupBytes, Is.LessThanOrEqualTo(fileBytes * (1 + overhead) + 64), $"{blocks} blocks");
        }
    }

    [Test]
    public void Fast_half_conversion_is_exact_for_every_finite_half()
    {
        if (!Q4_0InterleavedKernels.IsSupported) Assert.Ignore("no vector path on this core: the conversion is not used");
        for (int start = 0; start < 65536; start += 8)
        {
            var bits = Vector128.Create((ushort)start, (ushort)(start + 1), (ushort)(start + 2), (ushort)(start + 3),
                (ushort)(start + 4), (ushort)(start + 5), (ushort)(start + 6), (ushort)(start + 7));
            var converted = InterleavedScales.FiniteHalfToSingle(bits);
            for (int i = 0; i < 8; i++)
            {
                var half = BitConverter.UInt16BitsToHalf((ushort)(start + i));
                if (!Half.IsFinite(half)) continue;
                Assert.That(BitConverter.SingleToInt32Bits(converted.GetElement(i)), Is.EqualTo(BitConverter.SingleToInt32Bits((float)half)),
                    $"half bits 0x{start + i:X4}");
            }
        }
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;
        // The sixteen-lane form the 512-bit K-quant loops use, for the same values.
        var sixteen = new ushort[16];
        for (int start = 0; start < 65536; start += 16)
        {
            for (int i = 0; i < 16; i++) sixteen[i] = (ushort)(start + i);
            Vector512<float> converted;
            fixed (ushort* halves = sixteen) converted = InterleavedScales.FromSixteenHalves((byte*)halves);
            for (int i = 0; i < 16; i++)
            {
                var half = BitConverter.UInt16BitsToHalf(sixteen[i]);
                if (!Half.IsFinite(half)) continue;
                Assert.That(BitConverter.SingleToInt32Bits(converted.GetElement(i)), Is.EqualTo(BitConverter.SingleToInt32Bits((float)half)),
                    $"sixteen-lane form, half bits 0x{sixteen[i]:X4}");
            }
        }
    }

    [Test]
    public void Sixteen_scaled_halves_round_like_converting_then_multiplying()
    {
        if (!Vector512.IsHardwareAccelerated) Assert.Ignore("no 512-bit vectors on this core: the sixteen-lane conversion is not used");
        AssertScaledHalvesRoundLikeConvertingThenMultiplying(16, (scales, factorTimesGap, result) =>
            InterleavedScales.ScaledHalves(scales, Vector512.Create(factorTimesGap)).Store(result));
    }

    [Test]
    public void Scaled_half_conversion_rounds_like_converting_then_multiplying()
    {
        if (!Q4_0InterleavedKernels.IsSupported) Assert.Ignore("no vector path on this core: the conversion is not used");
        AssertScaledHalvesRoundLikeConvertingThenMultiplying(8, (scales, factorTimesGap, result) =>
            InterleavedScales.ScaledHalves(scales, Vector256.Create(factorTimesGap)).Store(result));
    }

    private delegate void ScaledHalvesOf(byte* scales, float factorTimesGap, float* result);

    /// <summary>Activation scales are f16 values: the extremes, subnormals, ones and both signs.</summary>
    private static readonly Half[] ActivationScaleFactors =
        [Half.MaxValue, Half.MinValue, Half.Epsilon, (Half)1, (Half)(-0.0078125f), (Half)0.0033, (Half)0, BitConverter.UInt16BitsToHalf(0x03FF)];

    /// <summary>Every finite f16 value, <paramref name="lanes"/> at a time, times each activation scale: the
    /// conversion's result must equal the float product of the two converted values, bit for bit.</summary>
    private static void AssertScaledHalvesRoundLikeConvertingThenMultiplying(int lanes, ScaledHalvesOf convert)
    {
        var scales = stackalloc ushort[lanes];
        var result = stackalloc float[lanes];
        foreach (var factor in ActivationScaleFactors)
        {
            for (int start = 0; start < 65536; start += lanes)
            {
                for (int i = 0; i < lanes; i++) scales[i] = (ushort)(start + i);
                convert((byte*)scales, (float)factor * InterleavedScales.HalfExponentGap, result);
                for (int i = 0; i < lanes; i++)
                {
                    var half = BitConverter.UInt16BitsToHalf((ushort)(start + i));
                    if (!Half.IsFinite(half)) continue;
                    Assert.That(BitConverter.SingleToInt32Bits(result[i]), Is.EqualTo(BitConverter.SingleToInt32Bits((float)half * (float)factor)),
                        $"half bits 0x{start + i:X4} × {factor}, {lanes} lanes");
                }
            }
        }
    }
}
