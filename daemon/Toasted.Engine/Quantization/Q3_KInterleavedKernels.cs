using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q3_KInterleaved"/> groups, against Q6_K's activation patterns
/// (<see cref="Q6_KInterleavedKernels.FillDigest"/>; the elements lie as Q6_K's do). Per code vector: its two low bits
/// out of a 64-byte vector that holds four quarters (a mask, or one GF(2) affine transform that moves bits 2i, 2i + 1
/// down and clears the rest), its high bit out of a 64-byte vector that holds eight code vectors' (one transform that
/// moves bit j to bit 2), an or; then Q6_K's loops (<see cref="GroupScaleInterleavedLoops{TColumn}"/>): <c>vpmaddubsw</c>
/// against the pattern, codes 0 … 7, each group's sums weighted by the eight rows' group scales in one <c>vpmaddwd</c>
/// (<see cref="PairedRowScales"/>), and the offset of 4 leaves as
/// 4 · Σ_g scale_g · bsums[g]. Per row and super-block the int is <see cref="Q3_KKernels.DotScalar"/>'s isum and the float
/// step its <c>sum += (d · d8) · isum</c>, so every path equals <see cref="Q3_KInterleaved.DotGroupsScalar"/> to the bit.
/// Without GFNI the bit moves are 16-bit shifts and masks (a bit moved to bit 2 or 0–1 stays within its byte).
/// </summary>
public readonly unsafe struct Q3_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int DigestBlockBytes = Q6_KInterleavedKernels.DigestBlockBytes;
    private const int HighBitsOffset = Q3_KInterleaved.HighBitsOffset;

    /// <summary>As <see cref="Q3_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q3_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q6_KInterleavedKernels.FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupScaleInterleavedLoops<LowAndHighBits>.Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupScaleInterleavedLoops<LowAndHighBits>.Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q3_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>Q3_K's column for the shared loops: low pairs and high bits, signed scales, the offset of 4 and the one-row float step.</summary>
    private readonly struct LowAndHighBits : IGroupScaleColumn
    {
        public static long GroupBytes(int blocks) => Q3_KInterleaved.GroupBytes(blocks);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* Column(byte* group, int block, int blocks, out byte* header) => Q3_KInterleaved.Column(group, block, blocks, out header);

        /// <summary>Vector t's low bits at 256h + 64t; the high bits of vectors 2u and 2u + 1 share the vector at 512 + 128h + 64u, t's in bits 4 (t mod 2) + i.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>) Quarters512(byte* quants, int h, int pair, int odd)
        {
            var low = Vector512.Load(quants + 256 * h + 128 * pair + 64 * odd);
            var high = Vector512.Load(quants + HighBitsOffset + 128 * h + 64 * pair);
            int highBit = 4 * odd;
            return (Code512(low, high, 0, highBit), Code512(low, high, 1, highBit + 1), Code512(low, high, 2, highBit + 2), Code512(low, high, 3, highBit + 3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Quarters256(byte* quants, int h, int c)
        {
            var low = Vector256.Load(quants + 256 * h + 32 * c);
            var high = Vector256.Load(quants + HighBitsOffset + 128 * h + 64 * (c / 4) + 32 * (c % 2));
            int highBit = 4 * (c / 2 % 2);
            return (Code256(low, high, 0, highBit), Code256(low, high, 1, highBit + 1), Code256(low, high, 2, highBit + 2), Code256(low, high, 3, highBit + 3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Scales(byte* header, int pair) => PairedRowScales.Wide(header + Q3_KInterleaved.ScalesOffset, pair);

        /// <summary>The offset of 4 out as 4 · Σ_g scale_g · bsums[g], then the one-row dot's <c>sum += (d · d8) · isum</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> sums, Vector256<int> ints, byte* header, byte* patterns, float activationScale) =>
            InterleavedScales.AddScaled(sums, ints - (OffsetTerm(header + Q3_KInterleaved.ScalesOffset, patterns) << 2), header, activationScale);
    }

    /// <summary>Per row, Σ_g scale_g · bsums[g]: the group scales in pairs against the pairs of block sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> OffsetTerm(byte* scales, byte* patterns) =>
        PairedRowScales.TimesSums(scales, (short*)(patterns + Q6_KInterleavedKernels.BlockSumsOffset), 8);

    /// <summary>The codes of quarter <paramref name="quarter"/>: bits 2q, 2q + 1 of <paramref name="low"/> and bit <paramref name="highBit"/> of <paramref name="high"/> at bit 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Code512(Vector512<byte> low, Vector512<byte> high, int quarter, int highBit)
    {
        if (Gfni.V512.IsSupported)
            return LowPair512(low, quarter) | Gfni.V512.GaloisFieldAffineTransform(high, Vector512.Create(BitToTwo(highBit)).AsByte(), 0);
        var highAtTwo = highBit >= 2 ? (high.AsUInt16() >>> (highBit - 2)).AsByte() : (high.AsUInt16() << (2 - highBit)).AsByte();
        return LowPair512(low, quarter) | (highAtTwo & Vector512.Create((byte)4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Code256(Vector256<byte> low, Vector256<byte> high, int quarter, int highBit)
    {
        if (Gfni.V256.IsSupported)
            return LowPair256(low, quarter) | Gfni.V256.GaloisFieldAffineTransform(high, Vector256.Create(BitToTwo(highBit)).AsByte(), 0);
        var highAtTwo = highBit >= 2 ? (high.AsUInt16() >>> (highBit - 2)).AsByte() : (high.AsUInt16() << (2 - highBit)).AsByte();
        return LowPair256(low, quarter) | (highAtTwo & Vector256.Create((byte)4));
    }

    /// <summary>Bits 2q, 2q + 1 of every byte at bits 0–1, the rest cleared: a mask for quarter 0, else one affine transform or a shift and a mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<byte> LowPair512(Vector512<byte> low, int quarter) =>
        quarter == 0 ? low & Vector512.Create((byte)3)
        : Gfni.V512.IsSupported ? Gfni.V512.GaloisFieldAffineTransform(low, Vector512.Create(PairDown(quarter)).AsByte(), 0)
        : (low.AsUInt16() >>> (2 * quarter)).AsByte() & Vector512.Create((byte)3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> LowPair256(Vector256<byte> low, int quarter) =>
        quarter == 0 ? low & Vector256.Create((byte)3)
        : Gfni.V256.IsSupported ? Gfni.V256.GaloisFieldAffineTransform(low, Vector256.Create(PairDown(quarter)).AsByte(), 0)
        : (low.AsUInt16() >>> (2 * quarter)).AsByte() & Vector256.Create((byte)3);

    /// <summary>
    /// The affine matrix that moves bits 2q and 2q + 1 of every byte to bits 0 and 1 and clears the rest: output bit i is the
    /// parity of the input byte masked by matrix byte 7 − i.
    /// </summary>
    private static ulong PairDown(int quarter) => (1UL << (2 * quarter)) << 56 | (1UL << (2 * quarter + 1)) << 48;

    /// <summary>The affine matrix that moves bit <paramref name="bit"/> of every byte to bit 2 and clears the rest (matrix byte 5).</summary>
    private static ulong BitToTwo(int bit) => (1UL << bit) << 40;
}
