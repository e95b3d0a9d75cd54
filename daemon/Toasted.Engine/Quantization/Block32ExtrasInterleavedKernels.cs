using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Block32ExtrasInterleaved"/> groups (Q4_1, Q5_0, Q5_1): Q4_0's sixteen-row loops
/// (<see cref="BlockColumnPairs"/>), each activation operand a broadcast of four quants from a digest per block.
/// Q4_1's nibbles multiply as Q4_0's do (eight <c>vpmaddubsw</c> pair sums of at most 2 · 15 · 128 add up as shorts);
/// Q5_0's and Q5_1's codes get their fifth bit from the column's masks, expanded to bit 4 of every byte (one byte shuffle
/// spreads each mask byte over the eight bytes it describes, an and keeps each byte's own bit, and a GF(2) affine transform
/// moves whichever bit is left to bit 4), and with codes up to 31 a pair sum is at most 7936, so low and high nibbles
/// keep four steps each in their own shorts. Q5_0's offset of 16 comes off as the digest's bias 16 · Σ q8; the mins of
/// Q4_1 and Q5_1 meet the activation's s in <see cref="BlockColumnPairs"/>' float step. Every path equals
/// <see cref="Block32ExtrasInterleaved.DotGroupsScalar{TFormat}"/> to the bit.
/// </summary>
internal readonly unsafe struct Block32ExtrasInterleavedKernels<TFormat> : IInterleavedKernel where TFormat : struct, IBlock32ExtrasFormat
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int DigestBlockBytes = BlockColumnPairs.DigestBlockBytes;
    private const int BiasIndex = BlockColumnPairs.BiasIndex;

    /// <summary>As <see cref="Block32ExtrasInterleaved.DotGroupsScalar{TFormat}"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Block32ExtrasInterleavedKernels<TFormat>>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    /// <summary>Q5_0's bias 16 · Σ q8, and for the formats with mins the Q8_1 activation's s (<see cref="BlockColumnPairs.FillDigest"/>).</summary>
    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        BlockColumnPairs.FillDigest(activation, blocks, TFormat.CodeOffset, TFormat.HasMins, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.Groups512<CodeSums512>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.GroupsInHalves256<CodeSumHalves>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Block32ExtrasInterleaved.DotGroupsScalar<TFormat>(packed, groups, blocks, activation, destination);

    private readonly struct CodeSums512 : IBlockColumnInts512
    {
        public static int QuantColumnBytes => Block32ExtrasInterleaved.QuantColumnBytes;
        public static int ExtrasColumnBytes => TFormat.ExtrasColumnBytes;
        public static bool HasMins => TFormat.HasMins;
        public static int MinsOffset => TFormat.MinsOffset;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Ints(byte* quants, byte* extras, int* q)
        {
            var mask = Vector512.Create((byte)0x0F);
            Vector512<int> ints;
            if (!TFormat.HasFifthBits)
            {
                var pairs = Vector512<short>.Zero;
                for (int j = 0; j < 4; j++)
                {
                    var w = Vector512.Load(quants + 64 * j);
                    pairs += Avx512BW.MultiplyAddAdjacent(w & mask, Vector512.Create(q[j]).AsSByte())
                        + Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w), Vector512.Create(q[4 + j]).AsSByte());
                }
                ints = Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One);
            }
            else
            {
                var low = Vector512<short>.Zero;
                var high = Vector512<short>.Zero;
                for (int j = 0; j < 4; j++)
                {
                    var w = Vector512.Load(quants + 64 * j);
                    low += Avx512BW.MultiplyAddAdjacent((w & mask) | FifthBits512(extras + 16 * j), Vector512.Create(q[j]).AsSByte());
                    high += Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w) | FifthBits512(extras + 16 * j + 8), Vector512.Create(q[4 + j]).AsSByte());
                }
                ints = Avx512BW.MultiplyAddAdjacent(low, Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(high, Vector512<short>.One);
            }
            return TFormat.CodeOffset == 0 ? ints : ints - Vector512.Create(q[BiasIndex]);
        }
    }

    private readonly struct CodeSumHalves : IBlockColumnInts256
    {
        public static int QuantColumnBytes => Block32ExtrasInterleaved.QuantColumnBytes;
        public static int ExtrasColumnBytes => TFormat.ExtrasColumnBytes;
        public static bool HasMins => TFormat.HasMins;
        public static int MinsOffset => TFormat.MinsOffset;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, byte* extras, int* q)
        {
            var mask = Vector256.Create((byte)0x0F);
            Vector256<int> ints;
            if (!TFormat.HasFifthBits)
            {
                var pairs = Vector256<short>.Zero;
                for (int j = 0; j < 4; j++)
                {
                    var w = Vector256.Load(quants + 64 * j);
                    pairs += Avx2.MultiplyAddAdjacent(w & mask, Vector256.Create(q[j]).AsSByte())
                        + Avx2.MultiplyAddAdjacent(PackedNibbles.High256(w), Vector256.Create(q[4 + j]).AsSByte());
                }
                ints = Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One);
            }
            else
            {
                var low = Vector256<short>.Zero;
                var high = Vector256<short>.Zero;
                for (int j = 0; j < 4; j++)
                {
                    var w = Vector256.Load(quants + 64 * j);
                    low += Avx2.MultiplyAddAdjacent((w & mask) | FifthBits256(extras + 16 * j), Vector256.Create(q[j]).AsSByte());
                    high += Avx2.MultiplyAddAdjacent(PackedNibbles.High256(w) | FifthBits256(extras + 16 * j + 8), Vector256.Create(q[4 + j]).AsSByte());
                }
                ints = Avx2.MultiplyAddAdjacent(low, Vector256<short>.One) + Avx2.MultiplyAddAdjacent(high, Vector256<short>.One);
            }
            return TFormat.CodeOffset == 0 ? ints : ints - Vector256.Create(q[BiasIndex]);
        }
    }

    /// <summary>
    /// The 64 bits at <paramref name="bits"/> as 64 bytes, 0x10 where the bit is set: byte i of the result is bit i. Each
    /// 128-bit lane's shuffle takes mask byte i / 8 into byte i (the eight mask bytes repeat in every lane), the and keeps
    /// bit i mod 8, and the affine transform (output bit 4 the parity of the whole byte) or a minimum and a shift moves it
    /// to bit 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> FifthBits512(byte* bits)
    {
        var own = Avx512BW.Shuffle(Vector512.Create(*(ulong*)bits).AsByte(), MaskByteOfEachByte512()) & BitOfEachByte512();
        return Gfni.V512.IsSupported
            ? Gfni.V512.GaloisFieldAffineTransform(own, Vector512.Create(AnyBitToBit4).AsByte(), 0)
            : (Vector512.Min(own, Vector512<byte>.One).AsUInt16() << 4).AsByte();
    }

    /// <summary>As <see cref="FifthBits512"/> for the 32 bits at <paramref name="bits"/> (eight rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> FifthBits256(byte* bits)
    {
        var own = Avx2.Shuffle(Vector256.Create(*(uint*)bits).AsByte(), MaskByteOfEachByte512().GetLower()) & BitOfEachByte512().GetLower();
        return Gfni.V256.IsSupported
            ? Gfni.V256.GaloisFieldAffineTransform(own, Vector256.Create(AnyBitToBit4).AsByte(), 0)
            : (Vector256.Min(own, Vector256<byte>.One).AsUInt16() << 4).AsByte();
    }

    /// <summary>Byte j of 128-bit lane L reads mask byte 2L + j / 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> MaskByteOfEachByte512() =>
        Vector512.Create(0x0000000000000000UL, 0x0101010101010101UL, 0x0202020202020202UL, 0x0303030303030303UL,
            0x0404040404040404UL, 0x0505050505050505UL, 0x0606060606060606UL, 0x0707070707070707UL).AsByte();

    /// <summary>1 &lt;&lt; (i mod 8) in byte i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> BitOfEachByte512() => Vector512.Create(0x8040201008040201UL).AsByte();

    /// <summary>The affine matrix whose output bit 4 is the parity of all eight input bits (matrix byte 7 − 4 = 3 all ones).</summary>
    private const ulong AnyBitToBit4 = 0xFFUL << 24;
}
