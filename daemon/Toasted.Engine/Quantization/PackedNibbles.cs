using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The 16 packed bytes of 4-bit codes that the 32-element formats share: element j (j &lt; 16) is the low
/// nibble of byte j, element j + 16 its high nibble.
/// </summary>
internal static class PackedNibbles
{
    /// <summary>All 32 codes (0..15) in element order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Split256(ref byte packed)
    {
        var bytes = Vector128.LoadUnsafe(ref packed);
        return Vector256.Create(bytes & Vector128.Create((byte)0xF), bytes >>> 4);
    }

    /// <summary>Codes of elements 0..15 and 16..31.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<byte> Low, Vector128<byte> High) Split128(ref byte packed)
    {
        var bytes = Vector128.LoadUnsafe(ref packed);
        return (bytes & Vector128.Create((byte)0xF), bytes >>> 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(ref byte packed, int element) =>
        element < 16 ? Unsafe.Add(ref packed, element) & 0xF : Unsafe.Add(ref packed, element - 16) >> 4;

    /// <summary>
    /// The high nibble of every byte, moved down: one GF(2) affine transform where the core has GFNI (output bit i,
    /// for i &lt; 4, is input bit i + 4, the rest cleared), else a 16-bit shift and a mask that drops what the
    /// neighbouring byte shifted in. The interleaved decode kernels take it once per weight vector, where it is
    /// one operation of the six or seven that each 64 weight bytes cost.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> High512(Vector512<byte> packed) =>
        Gfni.V512.IsSupported
            ? Gfni.V512.GaloisFieldAffineTransform(packed, Vector512.Create(HighToLow).AsByte(), 0)
            : (packed.AsUInt16() >>> 4).AsByte() & Vector512.Create((byte)0x0F);

    /// <summary>As <see cref="High512"/> at 256 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> High256(Vector256<byte> packed) =>
        Gfni.V256.IsSupported
            ? Gfni.V256.GaloisFieldAffineTransform(packed, Vector256.Create(HighToLow).AsByte(), 0)
            : (packed.AsUInt16() >>> 4).AsByte() & Vector256.Create((byte)0x0F);

    /// <summary>
    /// The bit matrix that moves bits 4–7 of a byte to bits 0–3: output bit i is the parity of the input masked by
    /// matrix byte 7 − i, so bytes 7, 6, 5, 4 hold bits 4, 5, 6, 7 alone and bytes 3–0 are zero.
    /// </summary>
    /// <summary>The high nibble of each byte as a byte, as <see cref="High512"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> High128(Vector128<byte> packed) =>
        Gfni.IsSupported
            ? Gfni.GaloisFieldAffineTransform(packed, Vector128.Create(HighToLow).AsByte(), 0)
            : (packed.AsUInt16() >>> 4).AsByte() & Vector128.Create((byte)0x0F);

    private const ulong HighToLow = 0x1020408000000000UL;
}
