using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

public class QuantTraitsTableTests
{
    // Byte sizes of ggml's block structs, spelled out field by field from ggml-common.h.
    private static readonly (GgmlType Type, int BlockSize, int StructBytes, GgmlType Activation)[] GgmlStructs =
    [
        (GgmlType.F32, 1, 4, GgmlType.F32),
        (GgmlType.F16, 1, 2, GgmlType.F16),
        (GgmlType.BF16, 1, 2, GgmlType.BF16),
        (GgmlType.Q8_0, 32, 2 + 32, GgmlType.Q8_0),                 // f16 d, int8 qs[32]
        (GgmlType.Q4_0, 32, 2 + 32 / 2, GgmlType.Q8_0),             // f16 d, u8 qs[16]
        (GgmlType.Q4_K, 256, 2 + 2 + 12 + 256 / 2, GgmlType.Q8_K),  // f16 d, f16 dmin, scales[12], qs[128]
        (GgmlType.Q6_K, 256, 256 / 2 + 256 / 4 + 256 / 16 + 2, GgmlType.Q8_K), // ql, qh, scales, f16 d
        (GgmlType.Q2_K, 256, 256 / 16 + 256 / 4 + 2 + 2, GgmlType.Q8_K),      // scales[16], qs[64], f16 d, f16 dmin
        (GgmlType.Q3_K, 256, 256 / 8 + 256 / 4 + 12 + 2, GgmlType.Q8_K),      // hmask[32], qs[64], scales[12], f16 d
        (GgmlType.Q5_K, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2, GgmlType.Q8_K),  // f16 d, f16 dmin, scales[12], qh[32], qs[128]
        (GgmlType.IQ4_XS, 256, 2 + 2 + 256 / 64 + 256 / 2, GgmlType.Q8_K),    // f16 d, u16 scales_h, scales_l[4], qs[128]
        (GgmlType.Q4_1, 32, 2 + 2 + 32 / 2, GgmlType.Q8_1),         // f16 d, f16 m, u8 qs[16]
        (GgmlType.Q5_0, 32, 2 + 4 + 32 / 2, GgmlType.Q8_0),         // f16 d, u8 qh[4], u8 qs[16]
        (GgmlType.Q5_1, 32, 2 + 2 + 4 + 32 / 2, GgmlType.Q8_1),     // f16 d, f16 m, u8 qh[4], u8 qs[16]
        (GgmlType.IQ4_NL, 32, 2 + 32 / 2, GgmlType.Q8_0),           // f16 d, u8 qs[16]
    ];

    [Test]
    public void Every_row_matches_the_ggml_struct_and_the_gguf_layout_table()
    {
        foreach (var (type, blockSize, structBytes, activation) in GgmlStructs)
        {
            var traits = QuantTraitsTable.Get(type);
            Assert.That(GgmlTypeLayout.TryGet(type, out var layoutBlock, out var layoutBytes), Is.True);
            Assert.Multiple(() =>
            {
                Assert.That(traits.Type, Is.EqualTo(type));
                Assert.That(traits.BlockSize, Is.EqualTo(blockSize).And.EqualTo(layoutBlock), type.ToString());
                Assert.That(traits.BytesPerBlock, Is.EqualTo(structBytes).And.EqualTo(layoutBytes), type.ToString());
                Assert.That(traits.ActivationType, Is.EqualTo(activation), type.ToString());
                Assert.That(traits.RowBytes(256 * 3), Is.EqualTo(GgmlTypeLayout.RowBytes(type, 256 * 3)));
            });
        }
        Assert.That(QuantTraitsTable.SupportedTypes, Is.EquivalentTo(GgmlStructs.Select(s => s.Type)));
    }

    [Test]
    public void Activation_formats_have_ggml_struct_sizes()
    {
        Assert.That(ActivationQuantizer.RowBytes(GgmlType.Q8_0, 64), Is.EqualTo(2 * (2 + 32)));
        Assert.That(ActivationQuantizer.RowBytes(GgmlType.Q8_1, 64), Is.EqualTo(2 * (2 + 2 + 32))); // f16 d, f16 s, int8 qs[32]
        Assert.That(GgmlTypeLayout.RowBytes(GgmlType.Q8_1, 64), Is.EqualTo(ActivationQuantizer.RowBytes(GgmlType.Q8_1, 64)));
        Assert.That(ActivationQuantizer.RowBytes(GgmlType.Q8_K, 512), Is.EqualTo(2 * (4 + 256 + 16 * 2))); // f32 d, qs[256], i16 bsums[16]
        Assert.That(GgmlTypeLayout.RowBytes(GgmlType.Q8_K, 512), Is.EqualTo(ActivationQuantizer.RowBytes(GgmlType.Q8_K, 512)));
        Assert.That(ActivationQuantizer.RowBytes(GgmlType.F16, 10), Is.EqualTo(20));
        Assert.That(ActivationQuantizer.RowBytes(GgmlType.F32, 10), Is.EqualTo(40));
    }

    [TestCase(GgmlType.IQ2_XXS)]
    [TestCase(GgmlType.TQ2_0)]
    public void Unsupported_type_is_refused_by_name(GgmlType type)
    {
        Assert.That(QuantTraitsTable.IsSupported(type), Is.False);
        var ex = Assert.Throws<NotSupportedException>(() => QuantTraitsTable.Get(type));
        Assert.That(ex!.Message, Does.Contain(type.ToString()));
    }

    [Test]
    public void Row_bytes_refuses_partial_blocks()
    {
        Assert.Throws<ArgumentException>(() => QuantTraitsTable.Get(GgmlType.Q4_K).RowBytes(100));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.RowBytes(GgmlType.Q8_0, 33));
    }
}
