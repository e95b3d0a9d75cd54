using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// What an interleaved K-quant column with sixteen group scales per row (<see cref="Q6_KInterleaved"/>,
/// <see cref="Q3_KInterleaved"/>, <see cref="Q2_KInterleaved"/>) brings to <see cref="GroupScaleInterleavedLoops{TColumn}"/>:
/// how its codes come out of its bytes, its group scales, and what follows the ints (offset or min terms, the float step).
/// All three lay elements as Q6_K does: element 128h + 32i + 4c + k of row r (half h, quarter i, dword c, byte k) in lane
/// r (c even) or 8 + r (c odd) of the quarter's code vector t = c / 2.
/// </summary>
internal unsafe interface IGroupScaleColumn
{
    static abstract long GroupBytes(int blocks);

    static abstract byte* Column(byte* group, int block, int blocks, out byte* header);

    /// <summary>
    /// The four quarters' codes (unsigned, at most 63) of 64-byte code vector t = 2 · <paramref name="pair"/> + <paramref name="odd"/>
    /// of half <paramref name="h"/>; the loops pass <paramref name="odd"/> as a literal, so what depends on it folds.
    /// </summary>
    static abstract (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>) Quarters512(byte* quants, int h, int pair, int odd);

    /// <summary>The four quarters' codes of dword <paramref name="c"/> of half <paramref name="h"/>, eight rows at 256 bits.</summary>
    static abstract (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Quarters256(byte* quants, int h, int c);

    /// <summary>Scale pair <paramref name="pair"/> (groups 2p, 2p + 1) of the eight rows as shorts: row r's two at shorts 2r, 2r + 1.</summary>
    static abstract Vector256<short> Scales(byte* header, int pair);

    /// <summary>The column's float step per row from its ints Σ_g scale_g · Σ code · q8, with whatever the format adds to them.</summary>
    static abstract Vector256<float> Add(Vector256<float> sums, Vector256<int> ints, byte* header, byte* patterns, float activationScale);
}

/// <summary>
/// The <c>vpmaddubsw</c> loops of the interleaved Q6_K, Q3_K and Q2_K kernels, against Q6_K's activation patterns
/// (<see cref="Q6_KInterleavedKernels.FillDigest"/>). Per super-block column and half: each quarter's two steps of pair
/// sums (at most 2 · 63 · 127 each) add up as shorts, and each quarter's sums meet the eight rows' scale of its group in
/// one <c>vpmaddwd</c> (dwords 0–3 of a quarter are its first group, 4–7 its second; <see cref="PairedRowScales"/>).
/// </summary>
internal static unsafe class GroupScaleInterleavedLoops<TColumn> where TColumn : struct, IGroupScaleColumn
{
    private const int RowsPerGroup = 8;
    private const int DigestBlockBytes = Q6_KInterleavedKernels.DigestBlockBytes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = TColumn.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0);
        var pickSecond = PairedRowScales.Pick(1);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = TColumn.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector512<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    // Scale pair 4h + i holds quarter i's two groups.
                    var quarter0Scales = TColumn.Scales(header, 4 * h);
                    var quarter1Scales = TColumn.Scales(header, 4 * h + 1);
                    var quarter2Scales = TColumn.Scales(header, 4 * h + 2);
                    var quarter3Scales = TColumn.Scales(header, 4 * h + 3);
                    for (int half = 0; half < 2; half++)
                    {
                        var pick = half == 0 ? pickFirst : pickSecond;
                        // Vectors t = 2 · half and 2 · half + 1 hold dwords 4 · half … 4 · half + 3. Each vector's four codes are multiplied as soon as they are made, which keeps eight vectors
                        // fewer alive than taking both vectors' codes first (that spilled in Q3_K's loop).
                        sbyte* pattern = (sbyte*)patterns + 1024 * h + 128 * half;
                        var (a0, a1, a2, a3) = TColumn.Quarters512(quants, h, half, 0);
                        var quarter0 = Avx512BW.MultiplyAddAdjacent(a0, Vector512.Load(pattern));
                        var quarter1 = Avx512BW.MultiplyAddAdjacent(a1, Vector512.Load(pattern + 256));
                        var quarter2 = Avx512BW.MultiplyAddAdjacent(a2, Vector512.Load(pattern + 512));
                        var quarter3 = Avx512BW.MultiplyAddAdjacent(a3, Vector512.Load(pattern + 768));
                        var (b0, b1, b2, b3) = TColumn.Quarters512(quants, h, half, 1);
                        pattern += 64;
                        quarter0 += Avx512BW.MultiplyAddAdjacent(b0, Vector512.Load(pattern));
                        quarter1 += Avx512BW.MultiplyAddAdjacent(b1, Vector512.Load(pattern + 256));
                        quarter2 += Avx512BW.MultiplyAddAdjacent(b2, Vector512.Load(pattern + 512));
                        quarter3 += Avx512BW.MultiplyAddAdjacent(b3, Vector512.Load(pattern + 768));
                        ints += Avx512BW.MultiplyAddAdjacent(quarter0, PairedRowScales.Spread(quarter0Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter1, PairedRowScales.Spread(quarter1Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter2, PairedRowScales.Spread(quarter2Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                sums = TColumn.Add(sums, ints.GetLower() + ints.GetUpper(), header, patterns, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = TColumn.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0).GetLower();
        var pickSecond = PairedRowScales.Pick(1).GetLower();
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = TColumn.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector256<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    var quarter0Scales = TColumn.Scales(header, 4 * h);
                    var quarter1Scales = TColumn.Scales(header, 4 * h + 1);
                    var quarter2Scales = TColumn.Scales(header, 4 * h + 2);
                    var quarter3Scales = TColumn.Scales(header, 4 * h + 3);
                    // Dwords 0–3 of each quarter belong to the first group of a pair, 4–7 to the second;
                    // two dwords at a time keep the short sums exact.
                    for (int c = 0; c < 8; c += 2)
                    {
                        var pick = c < 4 ? pickFirst : pickSecond;
                        var quarter0 = Vector256<short>.Zero;
                        var quarter1 = Vector256<short>.Zero;
                        var quarter2 = Vector256<short>.Zero;
                        var quarter3 = Vector256<short>.Zero;
                        for (int dword = c; dword < c + 2; dword++)
                        {
                            var (q0, q1, q2, q3) = TColumn.Quarters256(quants, h, dword);
                            sbyte* pattern = (sbyte*)patterns + 1024 * h + 32 * dword;
                            quarter0 += Avx2.MultiplyAddAdjacent(q0, Vector256.Load(pattern));
                            quarter1 += Avx2.MultiplyAddAdjacent(q1, Vector256.Load(pattern + 256));
                            quarter2 += Avx2.MultiplyAddAdjacent(q2, Vector256.Load(pattern + 512));
                            quarter3 += Avx2.MultiplyAddAdjacent(q3, Vector256.Load(pattern + 768));
                        }
                        ints = Int8MultiplyAdd.ShortPairs(ints, quarter0, PairedRowScales.Spread(quarter0Scales, pick));
                        ints = Int8MultiplyAdd.ShortPairs(ints, quarter1, PairedRowScales.Spread(quarter1Scales, pick));
                        ints = Int8MultiplyAdd.ShortPairs(ints, quarter2, PairedRowScales.Spread(quarter2Scales, pick));
                        ints = Int8MultiplyAdd.ShortPairs(ints, quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                sums = TColumn.Add(sums, ints, header, patterns, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }
}
