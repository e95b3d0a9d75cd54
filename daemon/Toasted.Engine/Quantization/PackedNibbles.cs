using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
}
