using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Gguf;

/// <summary>
/// Block sizes pinned to the ggml block structs. Each expected byte count is written as the sum of
/// the struct's fields (f16 = 2 bytes, QK_K = 256 elements per super-block), not copied from the
/// table under test.
/// </summary>
public class GgmlTypeLayoutTests
{
    private const int F16 = 2;
    private const int QK_K = 256;

    private static IEnumerable<TestCaseData> Layouts()
    {
        TestCaseData Row(GgmlType type, int blockSize, int bytes) =>
            new TestCaseData(type, blockSize, bytes).SetName($"{type} block is {blockSize} elements in {bytes} bytes");

        // Plain element types: one element per block.
        yield return Row(GgmlType.F32, 1, 4);
        yield return Row(GgmlType.F16, 1, 2);
        yield return Row(GgmlType.BF16, 1, 2);
        yield return Row(GgmlType.F64, 1, 8);
        yield return Row(GgmlType.I8, 1, 1);
        yield return Row(GgmlType.I16, 1, 2);
        yield return Row(GgmlType.I32, 1, 4);
        yield return Row(GgmlType.I64, 1, 8);

        // 32-element blocks.
        yield return Row(GgmlType.Q4_0, 32, F16 + 32 / 2);            // block_q4_0: d, qs[16] nibbles
        yield return Row(GgmlType.Q4_1, 32, 2 * F16 + 32 / 2);        // block_q4_1: d, m, qs[16]
        yield return Row(GgmlType.Q5_0, 32, F16 + 4 + 32 / 2);        // block_q5_0: d, qh[4] fifth bits, qs[16]
        yield return Row(GgmlType.Q5_1, 32, 2 * F16 + 4 + 32 / 2);    // block_q5_1: d, m, qh[4], qs[16]
        yield return Row(GgmlType.Q8_0, 32, F16 + 32);                // block_q8_0: d, int8 qs[32]
        yield return Row(GgmlType.Q8_1, 32, 2 * F16 + 32);            // block_q8_1: d, s, int8 qs[32]
        yield return Row(GgmlType.IQ4_NL, 32, F16 + 32 / 2);          // block_iq4_nl: d, qs[16]
        yield return Row(GgmlType.MXFP4, 32, 1 + 32 / 2);             // block_mxfp4: e8m0 exponent byte, qs[16]

        // 256-element super-blocks.
        yield return Row(GgmlType.Q2_K, QK_K, QK_K / 16 + QK_K / 4 + 2 * F16);           // scales[16], qs[64], d, dmin = 84
        yield return Row(GgmlType.Q3_K, QK_K, QK_K / 8 + QK_K / 4 + 12 + F16);           // hmask[32], qs[64], scales[12], d = 110
        yield return Row(GgmlType.Q4_K, QK_K, 2 * F16 + 12 + QK_K / 2);                  // d, dmin, scales[12], qs[128] = 144
        yield return Row(GgmlType.Q5_K, QK_K, 2 * F16 + 12 + QK_K / 8 + QK_K / 2);       // d, dmin, scales[12], qh[32], qs[128] = 176
        yield return Row(GgmlType.Q6_K, QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + F16);    // ql[128], qh[64], int8 scales[16], d = 210
        yield return Row(GgmlType.Q8_K, QK_K, 4 + QK_K + QK_K / 16 * 2);                 // float d, int8 qs[256], int16 bsums[16] = 292
        yield return Row(GgmlType.IQ2_XXS, QK_K, F16 + QK_K / 8 * 2);                    // d, uint16 qs[32] = 66
        yield return Row(GgmlType.IQ2_XS, QK_K, F16 + QK_K / 8 * 2 + QK_K / 32);         // d, uint16 qs[32], scales[8] = 74
        yield return Row(GgmlType.IQ2_S, QK_K, F16 + QK_K / 4 + QK_K / 32 + QK_K / 32);  // d, qs[64], qh[8], scales[8] = 82
        yield return Row(GgmlType.IQ3_XXS, QK_K, F16 + 3 * QK_K / 8);                    // d, qs[96] = 98
        yield return Row(GgmlType.IQ3_S, QK_K, F16 + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64); // d, qs[64], qh[8], signs[32], scales[4] = 110
        yield return Row(GgmlType.IQ1_S, QK_K, F16 + QK_K / 8 + QK_K / 32 * 2);          // d, qs[32], uint16 qh[8] = 50
        yield return Row(GgmlType.IQ1_M, QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32);        // qs[32], qh[16], scales[8], no separate d = 56
        yield return Row(GgmlType.IQ4_XS, QK_K, F16 + 2 + QK_K / 64 + QK_K / 2);         // d, uint16 scales_h, scales_l[4], qs[128] = 136
        yield return Row(GgmlType.TQ1_0, QK_K, (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + F16); // qs[48] base-3, qh[4], d = 54
        yield return Row(GgmlType.TQ2_0, QK_K, QK_K / 4 + F16);                          // qs[64] 2-bit, d = 66
    }

    [TestCaseSource(nameof(Layouts))]
    public void Block_layout_matches_the_ggml_block_struct(GgmlType type, int blockSize, int bytesPerBlock)
    {
        Assert.That(GgmlTypeLayout.TryGet(type, out var actualBlock, out var actualBytes), Is.True);
        Assert.That((actualBlock, actualBytes), Is.EqualTo((blockSize, bytesPerBlock)));
        Assert.That(GgmlTypeLayout.RowBytes(type, blockSize * 3L), Is.EqualTo(bytesPerBlock * 3L));
    }

    [Test]
    public void Every_named_ggml_type_has_a_pinned_layout_row()
    {
        var pinned = Layouts().Select(row => (GgmlType)row.Arguments[0]!).ToHashSet();
        Assert.That(pinned, Is.EquivalentTo(Enum.GetValues<GgmlType>()));
    }

    [TestCase(4u)]     // removed Q4_2
    [TestCase(31u)]    // removed Q4_0_4_4
    [TestCase(36u)]    // removed IQ4_NL_4_4
    [TestCase(40u)]
    [TestCase(uint.MaxValue)]
    public void Type_numbers_ggml_does_not_define_have_no_layout(uint number)
    {
        Assert.That(GgmlTypeLayout.TryGet((GgmlType)number, out _, out _), Is.False);
    }

    [Test]
    public void Row_of_a_partial_block_is_refused()
    {
        Assert.That(() => GgmlTypeLayout.RowBytes(GgmlType.Q4_K, 255), Throws.ArgumentException);
    }

    [Test]
    public void Real_file_tensors_sized_by_the_layout_tile_the_data_section_exactly()
    {
        // A converter places each tensor at the aligned end of the previous one, so correct sizes
        // reproduce every offset of the real file.
        using var file = GgufFile.Open(SharedKit.Require("corpus/real/stories260K.gguf"));
        long expectedOffset = 0;
        foreach (var tensor in file.Tensors.OrderBy(t => t.Offset))
        {
            Assert.That(tensor.Offset, Is.EqualTo(expectedOffset), tensor.Name);
            Assert.That(tensor.ByteSize, Is.EqualTo(GgmlTypeLayout.RowBytes(tensor.Type, tensor.RowLength) * tensor.RowCount));
            expectedOffset = (tensor.Offset + tensor.ByteSize + file.Alignment - 1) / file.Alignment * file.Alignment;
        }
        Assert.That(file.DataOffset + expectedOffset, Is.EqualTo(file.Length));
    }
}
