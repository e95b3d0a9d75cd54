using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NUnit.Framework;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The 512-bit joins the AVX-512 kernels build their operands with, against <c>Vector512.Create(lower, upper)</c>,
/// the definition they replace, for every element type they take.
/// </summary>
[Category("Kernels")]
public class VectorHalvesTests
{
    [Test]
    public void Join_puts_the_lower_half_first_and_the_upper_half_second_for_every_element_type()
    {
        if (!Avx512F.IsSupported) Assert.Ignore("AVX-512 is off or absent: the joins run only on AVX-512 paths.");
        var bytes = new byte[64];
        for (int i = 0; i < 64; i++) bytes[i] = (byte)(3 * i + 1);
        var lower = Vector256.Create(bytes.AsSpan(0, 32));
        var upper = Vector256.Create(bytes.AsSpan(32, 32));
        Assert.That(VectorHalves.Join(lower, upper), Is.EqualTo(Vector512.Create(lower, upper)));
        Assert.That(VectorHalves.Join(lower.AsSByte(), upper.AsSByte()), Is.EqualTo(Vector512.Create(lower.AsSByte(), upper.AsSByte())));
        Assert.That(VectorHalves.Join(lower.AsInt16(), upper.AsInt16()), Is.EqualTo(Vector512.Create(lower.AsInt16(), upper.AsInt16())));
        Assert.That(VectorHalves.Join(lower.AsInt32(), upper.AsInt32()), Is.EqualTo(Vector512.Create(lower.AsInt32(), upper.AsInt32())));
        Assert.That(VectorHalves.Repeat(upper.AsInt16()), Is.EqualTo(Vector512.Create(upper.AsInt16(), upper.AsInt16())));
        Assert.That(VectorHalves.Join(lower, upper), Is.Not.EqualTo(VectorHalves.Join(upper, lower)), "the halves differ, so an exchange would show");
    }
}
