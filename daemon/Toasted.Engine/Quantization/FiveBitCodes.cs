using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The codes of Q5_0 and Q5_1: the packed nibble of element j (<see cref="PackedNibbles"/>) plus, as its
/// fifth bit, bit j of the little-endian u32 <c>qh</c>, minus the format's bias (16 for Q5_0, 0 for Q5_1).
/// The vector forms spread the 32 bits into one byte per element, 16 where the bit is set, and or them
/// onto the nibbles.
/// </summary>
internal static class FiveBitCodes
{
    /// <summary>One bit per byte position: byte k of each group of eight tests bit k.</summary>
    private const ulong BitOfByte = 0x8040201008040201UL;

    public static void DecodeScalar(ReadOnlySpan<byte> qh, ReadOnlySpan<byte> packed, int bias, Span<sbyte> codes)
    {
        uint bits = BitConverter.ToUInt32(qh);
        for (int j = 0; j < 16; j++)
        {
            codes[j] = (sbyte)(((packed[j] & 0xF) | (int)((bits >> j) & 1) << 4) - bias);
            codes[j + 16] = (sbyte)(((packed[j] >> 4) | (int)((bits >> (j + 16)) & 1) << 4) - bias);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(ref byte qh, ref byte packed, int bias, int element) =>
        (PackedNibbles.Of(ref packed, element) | (int)((Unsafe.ReadUnaligned<uint>(ref qh) >> element) & 1) << 4) - bias;

    /// <summary>All 32 codes; AVX2 only. Byte j copies byte j/8 of qh (an in-lane shuffle of the broadcast works because every dword holds qh).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Codes256(ref byte qh, ref byte packed, sbyte bias)
    {
        var spread = Avx2.Shuffle(Vector256.Create(Unsafe.ReadUnaligned<uint>(ref qh)).AsByte(),
            Vector256.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var bit = Vector256.Create(BitOfByte).AsByte();
        var fifth = Vector256.Equals(spread & bit, bit) & Vector256.Create((byte)16);
        return (PackedNibbles.Split256(ref packed) | fifth).AsSByte() - Vector256.Create(bias);
    }

    /// <summary>Codes of elements 0..15 (fifth bits from qh bytes 0 and 1) and 16..31 (bytes 2 and 3), with portable operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<sbyte> Low, Vector128<sbyte> High) Codes128(ref byte qh, ref byte packed, sbyte bias)
    {
        var bytes = Vector128.Create(Unsafe.ReadUnaligned<uint>(ref qh)).AsByte();
        var spreadLow = Vector128.Shuffle(bytes, Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
        var spreadHigh = Vector128.Shuffle(bytes, Vector128.Create((byte)2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var bit = Vector128.Create(BitOfByte).AsByte();
        var sixteen = Vector128.Create((byte)16);
        var (low, high) = PackedNibbles.Split128(ref packed);
        var offset = Vector128.Create(bias);
        return ((low | (Vector128.Equals(spreadLow & bit, bit) & sixteen)).AsSByte() - offset,
            (high | (Vector128.Equals(spreadHigh & bit, bit) & sixteen)).AsSByte() - offset);
    }
}
