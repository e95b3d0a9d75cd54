using System.Runtime.Intrinsics;
using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The high-nibble extraction the 4-bit kernels use, against its definition (byte >> 4) for every
/// byte value in every lane position; <c>make test-isa</c> runs it with GFNI (the affine transform) and without
/// (shift and mask, also where the vectors are emulated).
/// </summary>
[Category("Kernels")]
public class PackedNibblesTests
{
    [Test]
    public void High_nibbles_equal_the_byte_shifted_right_by_four_for_every_byte_in_every_lane()
    {
        var bytes = new byte[256];
        // Each byte value visits every one of the 64 lane positions across the rotations.
        for (int rotation = 0; rotation < 64; rotation++)
        {
            for (int i = 0; i < 256; i++) bytes[i] = (byte)(i + rotation * 5);
            for (int offset = 0; offset < 256; offset += 64)
            {
                var high = PackedNibbles.High512(Vector512.Create(bytes.AsSpan(offset, 64)));
                for (int lane = 0; lane < 64; lane++)
                    Assert.That(high[lane], Is.EqualTo(bytes[offset + lane] >> 4), $"512-bit lane {lane}, byte 0x{bytes[offset + lane]:X2}");
                var half = PackedNibbles.High256(Vector256.Create(bytes.AsSpan(offset, 32)));
                for (int lane = 0; lane < 32; lane++)
                    Assert.That(half[lane], Is.EqualTo(bytes[offset + lane] >> 4), $"256-bit lane {lane}, byte 0x{bytes[offset + lane]:X2}");
                var quarter = PackedNibbles.High128(Vector128.Create(bytes.AsSpan(offset, 16)));
                for (int lane = 0; lane < 16; lane++)
                    Assert.That(quarter[lane], Is.EqualTo(bytes[offset + lane] >> 4), $"128-bit lane {lane}, byte 0x{bytes[offset + lane]:X2}");
            }
        }
    }
}
