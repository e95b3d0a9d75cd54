using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The fifth bit of the Q5_0 / Q5_1 codes: bit j of the little-endian u32 <c>qh</c> belongs to element j.
/// These spread the 32 bits into one byte per element, 16 where the bit is set and 0 where it is not, ready
/// to be or-ed onto the nibbles.
/// </summary>
internal static class FifthBits
{
    /// <summary>One bit per byte position: byte k of each group of eight tests bit k.</summary>
    private static Vector256<byte> BitOfByte256 => Vector256.Create(0x8040201008040201UL).AsByte();
    private static Vector128<byte> BitOfByte128 => Vector128.Create(0x8040201008040201UL).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Read(ref byte qh) => Unsafe.ReadUnaligned<uint>(ref qh);

    /// <summary>All 32 elements; AVX2 only. Byte j copies byte j/8 of qh (an in-lane shuffle of the broadcast works because every dword holds qh).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Spread256(uint qh)
    {
        var spread = Avx2.Shuffle(Vector256.Create(qh).AsByte(),
            Vector256.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var bit = BitOfByte256;
        return Vector256.Equals(spread & bit, bit) & Vector256.Create((byte)16);
    }

    /// <summary>Elements 0..15 (from qh bytes 0 and 1) or 16..31 (bytes 2 and 3), with portable operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<byte> Low, Vector128<byte> High) Spread128(uint qh)
    {
        var bytes = Vector128.Create(qh).AsByte();
        var low = Vector128.Shuffle(bytes, Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
        var high = Vector128.Shuffle(bytes, Vector128.Create((byte)2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var bit = BitOfByte128;
        var sixteen = Vector128.Create((byte)16);
        return (Vector128.Equals(low & bit, bit) & sixteen, Vector128.Equals(high & bit, bit) & sixteen);
    }

    /// <summary>16 if element <paramref name="element"/>'s fifth bit is set, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(uint qh, int element) => (int)((qh >> element) & 1) << 4;
}
