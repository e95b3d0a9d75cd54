using System.Runtime.Intrinsics;
using NUnit.Framework;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Compute;

/// <summary>The softmax weights' rounding to F16 (<see cref="HalfRounding"/> and the lanes'
/// RoundNonNegativeToHalf) against the general F16 conversion pair, over non-negative floats up to
/// the largest half: every 37th bit pattern, and every pattern around the subnormal/normal border
/// and around 1. Run under each ISA switch by <c>make test-isa</c>.</summary>
[Category("Kernels")]
public class HalfRoundingTests
{
    private const uint LargestHalfBits = 0x477FE000; // 65504

    private static IEnumerable<uint> Patterns()
    {
        for (uint bits = 0; bits <= LargestHalfBits; bits += 37) yield return bits;
        foreach (var centre in new[] { BitConverter.SingleToUInt32Bits(HalfRounding.SmallestNormal), BitConverter.SingleToUInt32Bits(1f), 0x4000u })
            for (uint bits = centre - 0x4000; bits <= centre + 0x4000; bits++) yield return bits;
    }

    private static float Reference(float value) => Float16Bits.ToSingle(Float16Bits.FromSingle(value));

    [Test]
    public void Scalar_rounding_equals_the_f16_round_trip()
    {
        foreach (var bits in Patterns())
        {
            var value = BitConverter.UInt32BitsToSingle(bits);
            var ours = HalfRounding.RoundNonNegative(value);
            if (BitConverter.SingleToUInt32Bits(ours) != BitConverter.SingleToUInt32Bits(Reference(value)))
                Assert.Fail($"{value:R} (0x{bits:X8}): {ours:R}, F16 round trip {Reference(value):R}");
        }
    }

    [Test]
    public void Vector_rounding_equals_the_scalar_rounding_at_every_width()
    {
        var values = Patterns().Select(BitConverter.UInt32BitsToSingle).ToArray();
        var count = values.Length / 16 * 16;
        for (int i = 0; i < count; i += 16)
        {
            var expected = Enumerable.Range(i, 16).Select(j => BitConverter.SingleToUInt32Bits(HalfRounding.RoundNonNegative(values[j]))).ToArray();
            if (Vector512.IsHardwareAccelerated)
            {
                var v = FloatLanes512.RoundNonNegativeToHalf(Vector512.Create(values, i)).AsUInt32();
                for (int j = 0; j < 16; j++)
                    if (v[j] != expected[j]) Assert.Fail($"512-bit, {values[i + j]:R}");
            }
            if (Vector256.IsHardwareAccelerated)
                for (int k = 0; k < 16; k += 8)
                {
                    var v = FloatLanes256.RoundNonNegativeToHalf(Vector256.Create(values, i + k)).AsUInt32();
                    for (int j = 0; j < 8; j++)
                        if (v[j] != expected[k + j]) Assert.Fail($"256-bit, {values[i + k + j]:R}");
                }
            if (Vector128.IsHardwareAccelerated)
                for (int k = 0; k < 16; k += 4)
                {
                    var v = FloatLanes128.RoundNonNegativeToHalf(Vector128.Create(values, i + k)).AsUInt32();
                    for (int j = 0; j < 4; j++)
                        if (v[j] != expected[k + j]) Assert.Fail($"128-bit, {values[i + k + j]:R}");
                }
        }
    }
}
