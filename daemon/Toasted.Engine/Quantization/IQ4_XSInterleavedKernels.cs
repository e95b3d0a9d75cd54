using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="IQ4_XSInterleaved"/> groups, against the activation patterns of
/// <see cref="Q4_KInterleavedKernels.FillPatternDigest"/> (the codes lie as Q4_K's nibbles do).
/// <para>
/// The levels are signed (−127 … 113) and <c>vpmaddubsw</c> wants its first operand unsigned, so each level is split
/// into two unsigned nibbles (<see cref="Iq4NonLinearValues.HighNibbles512"/>): level = 16 · H + L − 128, H and L each looked
/// up from the code by one byte permute. Then Σ level · q8 = 16 · Σ H · q8 + Σ L · q8 − 128 · Σ q8, and the
/// nibble products add up as shorts through a whole chunk (eight pair sums of at most 2 · 15 · 128, 30720), as Q4_K's
/// do; each sub-block's H and L sums are weighted by the eight rows' signed sub-block scales (times 16 for H) in one
/// <c>vpmaddwd</c> each, and the −128 · Σ q8 term is Σ_s scale_s · (sub-block sum of q8), four more per column. Per
/// column and row the int is exactly <see cref="IQ4_XSKernels.DotScalar"/>'s isum, then <c>sum += (d · d8) · isum</c>
/// as there, so every path equals <see cref="IQ4_XSInterleaved.DotGroupsScalar"/> to the bit.
/// </para>
/// <para>
/// Exactness: the H and L short sums are at most 30720 in magnitude and the scales (times 16) at most 512, so
/// <c>vpmaddwd</c> is exact; a column's ints stay below 2³¹ (Σ_s 32 · 16 · 32 · 15 · 128 ≈ 2.5 · 10⁸ before the
/// offset term).
/// </para>
/// </summary>
public readonly unsafe struct IQ4_XSInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int RowsPerGroup = IQ4_XSInterleaved.RowsPerGroup;
    private const int DigestBlockBytes = Q4_KInterleavedKernels.DigestBlockBytes;
    /// <summary>Where the digest keeps the eight sub-block sums of q8 as shorts, after the 64 patterns.</summary>
    private const int SubBlockSumsOffset = 64 * 32;

    /// <summary>As <see cref="IQ4_XSInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<IQ4_XSInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q4_KInterleavedKernels.FillPatternDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        IQ4_XSInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var highTable = Iq4NonLinearValues.HighNibbles512();
        var lowTable = Iq4NonLinearValues.LowNibbles512();
        var pickFirst = PairedRowScales.Pick(0);
        var pickSecond = PairedRowScales.Pick(1);
        long groupBytes = IQ4_XSInterleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = IQ4_XSInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                byte* scales = header + IQ4_XSInterleaved.ScalesOffset;
                var ints = Vector512<int>.Zero;
                for (int k = 0; k < 4; k++)
                {
                    byte* w = quants + 256 * k;
                    sbyte* low = (sbyte*)patterns + 512 * k;
                    sbyte* high = low + 256;
                    // Vector t covers half-vectors 2t (lanes 0–7) and 2t + 1 (lanes 8–15) of chunk k, and so do the patterns.
                    var (lowH, lowL, highH, highL) = Step512(w, low, high, highTable, lowTable);
                    var (lowH1, lowL1, highH1, highL1) = Step512(w + 64, low + 64, high + 64, highTable, lowTable);
                    var (lowH2, lowL2, highH2, highL2) = Step512(w + 128, low + 128, high + 128, highTable, lowTable);
                    var (lowH3, lowL3, highH3, highL3) = Step512(w + 192, low + 192, high + 192, highTable, lowTable);
                    lowH += lowH1 + lowH2 + lowH3;
                    lowL += lowL1 + lowL2 + lowL3;
                    highH += highH1 + highH2 + highH3;
                    highL += highL1 + highL2 + highL3;
                    var pair = PairedRowScales.Wide(scales, k);
                    var lowScales = PairedRowScales.Spread(pair, pickFirst);
                    var highScales = PairedRowScales.Spread(pair, pickSecond);
                    ints += Avx512BW.MultiplyAddAdjacent(lowH, lowScales << 4) + Avx512BW.MultiplyAddAdjacent(lowL, lowScales)
                        + Avx512BW.MultiplyAddAdjacent(highH, highScales << 4) + Avx512BW.MultiplyAddAdjacent(highL, highScales);
                }
                var rowInts = ints.GetLower() + ints.GetUpper() - (OffsetTerm(scales, patterns) << 7);
                sums = InterleavedScales.AddScaled(sums, rowInts, header, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>One 64-byte code vector's H and L pair sums against its low-nibble and high-nibble patterns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<short>, Vector512<short>, Vector512<short>, Vector512<short>) Step512(byte* w, sbyte* low, sbyte* high,
        Vector512<byte> highTable, Vector512<byte> lowTable)
    {
        var codes = Vector512.Load(w);
        var shifted = (codes.AsUInt16() >>> 4).AsByte();
        var lowPattern = Vector512.Load(low);
        var highPattern = Vector512.Load(high);
        return (Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(highTable, codes), lowPattern), Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(lowTable, codes), lowPattern),
            Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(highTable, shifted), highPattern), Avx512BW.MultiplyAddAdjacent(Iq4NonLinearValues.Lookup(lowTable, shifted), highPattern));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var highTable = Iq4NonLinearValues.HighNibbles256();
        var lowTable = Iq4NonLinearValues.LowNibbles256();
        var pickFirst = PairedRowScales.Pick(0).GetLower();
        var pickSecond = PairedRowScales.Pick(1).GetLower();
        long groupBytes = IQ4_XSInterleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = IQ4_XSInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                byte* scales = header + IQ4_XSInterleaved.ScalesOffset;
                var ints = Vector256<int>.Zero;
                for (int k = 0; k < 4; k++)
                {
                    byte* w = quants + 256 * k;
                    sbyte* low = (sbyte*)patterns + 512 * k;
                    sbyte* high = low + 256;
                    Vector256<short> lowH = default, lowL = default, highH = default, highL = default;
                    for (int c = 0; c < 8; c++)
                    {
                        var packedBytes = Vector256.Load(w + 32 * c);
                        var lowCodes = packedBytes & Vector256.Create((byte)0x0F);
                        var highCodes = PackedNibbles.High256(packedBytes);
                        var lowPattern = Vector256.Load(low + 32 * c);
                        var highPattern = Vector256.Load(high + 32 * c);
                        lowH += Avx2.MultiplyAddAdjacent(Avx2.Shuffle(highTable, lowCodes), lowPattern);
                        lowL += Avx2.MultiplyAddAdjacent(Avx2.Shuffle(lowTable, lowCodes), lowPattern);
                        highH += Avx2.MultiplyAddAdjacent(Avx2.Shuffle(highTable, highCodes), highPattern);
                        highL += Avx2.MultiplyAddAdjacent(Avx2.Shuffle(lowTable, highCodes), highPattern);
                    }
                    var pair = PairedRowScales.Wide(scales, k);
                    var lowScales = PairedRowScales.Spread(pair, pickFirst);
                    var highScales = PairedRowScales.Spread(pair, pickSecond);
                    ints = Int8MultiplyAdd.ShortPairs(ints, lowH, lowScales << 4);
                    ints = Int8MultiplyAdd.ShortPairs(ints, lowL, lowScales);
                    ints = Int8MultiplyAdd.ShortPairs(ints, highH, highScales << 4);
                    ints = Int8MultiplyAdd.ShortPairs(ints, highL, highScales);
                }
                sums = InterleavedScales.AddScaled(sums, ints - (OffsetTerm(scales, patterns) << 7), header, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>Per row, Σ_s scale_s · Σ q8 over sub-block s: the sub-block sums sit after the patterns, two per scale pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> OffsetTerm(byte* scales, byte* patterns) =>
        PairedRowScales.TimesSums(scales, (short*)(patterns + SubBlockSumsOffset), 4);
}
