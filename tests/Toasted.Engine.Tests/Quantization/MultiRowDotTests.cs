using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The multi-row (matrix × vector) kernels: the dispatching <c>DotRows</c> equals its scalar twin
/// <c>DotRowsScalar</c> to the bit, and the twin equals the one-row <c>DotScalar</c> of every row up to the
/// float rounding of a different summation order (to the bit for the K-quants, which keep the one-row order).
/// Run under every instruction-set switch by <c>make test-isa</c>.
/// </summary>
[Category("Kernels")]
public class MultiRowDotTests
{
    private static readonly GgmlType[] IntegerTypes = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.IQ4_XS, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL];
    private static readonly GgmlType[] FloatTypes = [GgmlType.F32, GgmlType.F16, GgmlType.BF16];
    private static readonly int[] BlockCounts = [1, 3, 7, 8, 9, 16, 17, 33];
    private static readonly int[] RowCounts = [1, 2, 3, 4, 5, 7, 9, 13];

    private static IEnumerable<TestCaseData> IntegerCases() =>
        from type in IntegerTypes
        from pattern in Enum.GetValues<RandomRows.Pattern>()
        select new TestCaseData(type, pattern).SetArgDisplayNames(type.ToString(), pattern.ToString());

    /// <summary>Consecutive random rows, each drawn as the one-row tests draw theirs.</summary>
    internal static byte[] WeightRows(GgmlType type, int blocks, int rows, Random rng, RandomRows.Pattern pattern) =>
        Enumerable.Range(0, rows).SelectMany(_ => RandomRows.WeightRow(type, blocks, rng, pattern)).ToArray();

    [TestCaseSource(nameof(IntegerCases))]
    public void Multi_row_dot_equals_its_scalar_twin_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(4321 + (int)type * 10 + (int)pattern);
        foreach (int blocks in BlockCounts)
        foreach (int rows in RowCounts)
        {
            int n = blocks * traits.BlockSize;
            var weights = WeightRows(type, blocks, rows, rng, pattern);
            foreach (var x in new[] { RandomRows.Gaussian(rng, n), RandomRows.Saturating(rng, n), new float[n] })
            {
                var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
                ActivationQuantizer.QuantizeScalar(traits.ActivationType, x, activations);
                var expected = new float[rows];
                var actual = new float[rows + 1];
                actual[rows] = 12345f;
                traits.DotRowsScalar(weights, rows, activations, n, expected);
                traits.DotRows(weights, rows, activations, n, actual);
                Assert.That(actual[rows], Is.EqualTo(12345f), "wrote past the row count");
                for (int r = 0; r < rows; r++)
                {
                    Assert.That(BitConverter.SingleToInt32Bits(actual[r]), Is.EqualTo(BitConverter.SingleToInt32Bits(expected[r])),
                        $"{type} {pattern}, {blocks} blocks, row {r} of {rows}: {actual[r]} vs twin {expected[r]}");
                    Assert.That(float.IsFinite(expected[r]), Is.True, "test data must stay finite to be meaningful");
                }
            }
        }
    }

    [TestCaseSource(nameof(IntegerCases))]
    public void Multi_row_twin_equals_one_row_dots_up_to_summation_order(GgmlType type, RandomRows.Pattern pattern)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(777 + (int)type * 10 + (int)pattern);
        bool keepsOneRowOrder = type is GgmlType.Q4_K or GgmlType.Q6_K or GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q5_K or GgmlType.IQ4_XS
            or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.IQ4_NL; // one-row dot per row
        foreach (int blocks in BlockCounts)
        {
            const int rows = 5;
            int n = blocks * traits.BlockSize;
            var weights = WeightRows(type, blocks, rows, rng, pattern);
            var x = RandomRows.Gaussian(rng, n);
            var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
            ActivationQuantizer.QuantizeScalar(traits.ActivationType, x, activations);
            var results = new float[rows];
            traits.DotRowsScalar(weights, rows, activations, n, results);
            int rowBytes = (int)traits.RowBytes(n);
            for (int r = 0; r < rows; r++)
            {
                var row = weights.AsSpan(r * rowBytes, rowBytes);
                float oneRow = traits.DotScalar(row, activations, n);
                if (keepsOneRowOrder)
                {
                    Assert.That(BitConverter.SingleToInt32Bits(results[r]), Is.EqualTo(BitConverter.SingleToInt32Bits(oneRow)), $"{type} row {r}");
                    continue;
                }
                // Reordering a sum of `blocks` float products moves it by at most about 2·blocks·eps·Σ|terms|.
                var w = new float[n];
                var a = new float[n];
                traits.DequantizeScalar(row, w);
                Q8_0Kernels.DequantizeScalar(activations, a);
                double magnitude = 0;
                for (int i = 0; i < n; i++) magnitude += Math.Abs((double)w[i] * a[i]);
                double tolerance = 2.0 * (blocks + 2) * 1.2e-7 * magnitude + 1e-30;
                Assert.That(Math.Abs(results[r] - oneRow), Is.LessThanOrEqualTo(tolerance), $"{type} {pattern} {blocks} blocks row {r}");
            }
        }
    }

    [TestCaseSource(nameof(AllTypes))]
    public void Multi_row_dot_refuses_short_rows(GgmlType type)
    {
        var traits = QuantTraitsTable.Get(type);
        int n = 2 * traits.BlockSize * (traits.BlockSize == 1 ? 16 : 1);
        var weights = new byte[3 * traits.RowBytes(n) - 1];
        var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
        Assert.Throws<ArgumentException>(() => traits.DotRows(weights, 3, activations, n, new float[3]));
        Assert.Throws<ArgumentException>(() => traits.DotRows(new byte[3 * traits.RowBytes(n)], 3, activations, n, new float[2]));
    }

    private static IEnumerable<GgmlType> AllTypes() => IntegerTypes.Concat(FloatTypes);
}
