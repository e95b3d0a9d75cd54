using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q3_KInterleaved"/> groups, against Q6_K's activation patterns
/// (<see cref="Q6_KInterleavedKernels.FillDigest"/>; the elements lie as Q6_K's do). Per code vector: its two low bits
/// out of a 64-byte vector that holds four quarters (a mask, or one GF(2) affine transform that moves bits 2i, 2i + 1
/// down and clears the rest), its high bit out of a 64-byte vector that holds eight code vectors' (one transform that
/// moves bit j to bit 2), an or; then <c>vpmaddubsw</c> against the pattern. Codes are 0 … 7, so a pair sum is at most
/// 2 · 7 · 128 and the two steps of a group add up as shorts; each group's sums are weighted by the eight rows' group
/// scales in one <c>vpmaddwd</c> (<see cref="PairedRowScales"/>, as Q6_K's), and the offset of 4 leaves as
/// 4 · Σ_g scale_g · bsums[g]. Per row and super-block the int is <see cref="Q3_KKernels.DotScalar"/>'s isum and the float
/// step its <c>sum += (d · d8) · isum</c>, so every path equals <see cref="Q3_KInterleaved.DotGroupsScalar"/> to the bit.
/// Without GFNI the bit moves are 16-bit shifts and masks (a bit moved to bit 2 or 0–1 stays within its byte).
/// </summary>
public readonly unsafe struct Q3_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int RowsPerGroup = Q3_KInterleaved.RowsPerGroup;
    private const int DigestBlockBytes = Q6_KInterleavedKernels.DigestBlockBytes;
    private const int HighBitsOffset = Q3_KInterleaved.HighBitsOffset;

    /// <summary>As <see cref="Q3_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q3_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q6_KInterleavedKernels.FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q3_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q3_KInterleaved.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0);
        var pickSecond = PairedRowScales.Pick(1);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q3_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                byte* scales = header + Q3_KInterleaved.ScalesOffset;
                var ints = Vector512<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    // Scale pair 4h + i holds quarter i's two groups: dwords 0–3 (half 0) and 4–7 (half 1).
                    var quarter0Scales = PairedRowScales.Wide(scales, 4 * h);
                    var quarter1Scales = PairedRowScales.Wide(scales, 4 * h + 1);
                    var quarter2Scales = PairedRowScales.Wide(scales, 4 * h + 2);
                    var quarter3Scales = PairedRowScales.Wide(scales, 4 * h + 3);
                    for (int half = 0; half < 2; half++)
                    {
                        var pick = half == 0 ? pickFirst : pickSecond;
                        var high = Vector512.Load(quants + HighBitsOffset + 128 * h + 64 * half);
                        int t = 2 * half;
                        var low0 = Vector512.Load(quants + 256 * h + 64 * t);
                        var low1 = Vector512.Load(quants + 256 * h + 64 * (t + 1));
                        sbyte* pattern0 = (sbyte*)patterns + 1024 * h + 64 * t;
                        sbyte* pattern1 = pattern0 + 64;
                        var quarter0 = Avx512BW.MultiplyAddAdjacent(Code512(low0, high, 0, 0), Vector512.Load(pattern0))
                            + Avx512BW.MultiplyAddAdjacent(Code512(low1, high, 0, 4), Vector512.Load(pattern1));
                        var quarter1 = Avx512BW.MultiplyAddAdjacent(Code512(low0, high, 1, 1), Vector512.Load(pattern0 + 256))
                            + Avx512BW.MultiplyAddAdjacent(Code512(low1, high, 1, 5), Vector512.Load(pattern1 + 256));
                        var quarter2 = Avx512BW.MultiplyAddAdjacent(Code512(low0, high, 2, 2), Vector512.Load(pattern0 + 512))
                            + Avx512BW.MultiplyAddAdjacent(Code512(low1, high, 2, 6), Vector512.Load(pattern1 + 512));
                        var quarter3 = Avx512BW.MultiplyAddAdjacent(Code512(low0, high, 3, 3), Vector512.Load(pattern0 + 768))
                            + Avx512BW.MultiplyAddAdjacent(Code512(low1, high, 3, 7), Vector512.Load(pattern1 + 768));
                        ints += Avx512BW.MultiplyAddAdjacent(quarter0, PairedRowScales.Spread(quarter0Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter1, PairedRowScales.Spread(quarter1Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter2, PairedRowScales.Spread(quarter2Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                var rowInts = ints.GetLower() + ints.GetUpper() - (OffsetTerm(scales, patterns) << 2);
                sums = InterleavedScales.AddScaled(sums, rowInts, header, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q3_KInterleaved.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0).GetLower();
        var pickSecond = PairedRowScales.Pick(1).GetLower();
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q3_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                byte* scales = header + Q3_KInterleaved.ScalesOffset;
                var ints = Vector256<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    var quarter0Scales = PairedRowScales.Wide(scales, 4 * h);
                    var quarter1Scales = PairedRowScales.Wide(scales, 4 * h + 1);
                    var quarter2Scales = PairedRowScales.Wide(scales, 4 * h + 2);
                    var quarter3Scales = PairedRowScales.Wide(scales, 4 * h + 3);
                    // Dwords 0–3 of each quarter belong to the first group of a pair, 4–7 to the second.
                    for (int c = 0; c < 8; c += 2)
                    {
                        var pick = c < 4 ? pickFirst : pickSecond;
                        var quarter0 = Vector256<short>.Zero;
                        var quarter1 = Vector256<short>.Zero;
                        var quarter2 = Vector256<short>.Zero;
                        var quarter3 = Vector256<short>.Zero;
                        for (int dword = c; dword < c + 2; dword++)
                        {
                            var low = Vector256.Load(quants + 256 * h + 32 * dword);
                            var high = Vector256.Load(quants + HighBitsOffset + 128 * h + 64 * (dword / 4) + 32 * (dword % 2));
                            int highBit = 4 * (dword / 2 % 2);
                            sbyte* pattern = (sbyte*)patterns + 1024 * h + 32 * dword;
                            quarter0 += Avx2.MultiplyAddAdjacent(Code256(low, high, 0, highBit), Vector256.Load(pattern));
                            quarter1 += Avx2.MultiplyAddAdjacent(Code256(low, high, 1, highBit + 1), Vector256.Load(pattern + 256));
                            quarter2 += Avx2.MultiplyAddAdjacent(Code256(low, high, 2, highBit + 2), Vector256.Load(pattern + 512));
                            quarter3 += Avx2.MultiplyAddAdjacent(Code256(low, high, 3, highBit + 3), Vector256.Load(pattern + 768));
                        }
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter0, PairedRowScales.Spread(quarter0Scales, pick));
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter1, PairedRowScales.Spread(quarter1Scales, pick));
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter2, PairedRowScales.Spread(quarter2Scales, pick));
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                sums = InterleavedScales.AddScaled(sums, ints - (OffsetTerm(scales, patterns) << 2), header, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
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
