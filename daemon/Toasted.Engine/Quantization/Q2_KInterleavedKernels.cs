using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q2_KInterleaved"/> groups, against Q6_K's activation patterns
/// (<see cref="Q6_KInterleavedKernels.FillDigest"/>): each code vector is one mask or one GF(2) affine transform out of a
/// 64-byte vector that holds four (<see cref="Q3_KInterleavedKernels.LowPair512"/>), then <c>vpmaddubsw</c> against the
/// pattern; a group's two steps add up as shorts (pair sums at most 2 · 3 · 128) and are weighted by the eight rows'
/// 4-bit scales in one <c>vpmaddwd</c>, and the mins meet the block sums in eight more per column. Per row and super-block
/// the ints are <see cref="Q2_KKernels.DotScalar"/>'s isum and summs, and the float step is its
/// <c>sum += (d8 · d) · isum − (d8 · dmin) · summs</c>, so every path equals <see cref="Q2_KInterleaved.DotGroupsScalar"/>
/// to the bit.
/// </summary>
public readonly unsafe struct Q2_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int RowsPerGroup = Q2_KInterleaved.RowsPerGroup;
    private const int DigestBlockBytes = Q6_KInterleavedKernels.DigestBlockBytes;

    /// <summary>As <see cref="Q2_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q2_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q6_KInterleavedKernels.FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q2_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q2_KInterleaved.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0);
        var pickSecond = PairedRowScales.Pick(1);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q2_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector512<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    // Scale pair 4h + i holds quarter i's two groups: dwords 0–3 (half 0) and 4–7 (half 1).
                    var quarter0Scales = Scales(header, 4 * h);
                    var quarter1Scales = Scales(header, 4 * h + 1);
                    var quarter2Scales = Scales(header, 4 * h + 2);
                    var quarter3Scales = Scales(header, 4 * h + 3);
                    for (int half = 0; half < 2; half++)
                    {
                        var pick = half == 0 ? pickFirst : pickSecond;
                        int t = 2 * half;
                        var low0 = Vector512.Load(quants + 256 * h + 64 * t);
                        var low1 = Vector512.Load(quants + 256 * h + 64 * (t + 1));
                        sbyte* pattern0 = (sbyte*)patterns + 1024 * h + 64 * t;
                        sbyte* pattern1 = pattern0 + 64;
                        var quarter0 = Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low0, 0), Vector512.Load(pattern0))
                            + Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low1, 0), Vector512.Load(pattern1));
                        var quarter1 = Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low0, 1), Vector512.Load(pattern0 + 256))
                            + Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low1, 1), Vector512.Load(pattern1 + 256));
                        var quarter2 = Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low0, 2), Vector512.Load(pattern0 + 512))
                            + Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low1, 2), Vector512.Load(pattern1 + 512));
                        var quarter3 = Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low0, 3), Vector512.Load(pattern0 + 768))
                            + Avx512BW.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair512(low1, 3), Vector512.Load(pattern1 + 768));
                        ints += Avx512BW.MultiplyAddAdjacent(quarter0, PairedRowScales.Spread(quarter0Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter1, PairedRowScales.Spread(quarter1Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter2, PairedRowScales.Spread(quarter2Scales, pick))
                            + Avx512BW.MultiplyAddAdjacent(quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                sums = Add(sums, ints.GetLower() + ints.GetUpper(), MinsTimesBlockSums(header, patterns), header, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q2_KInterleaved.GroupBytes(blocks);
        var pickFirst = PairedRowScales.Pick(0).GetLower();
        var pickSecond = PairedRowScales.Pick(1).GetLower();
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            var sums = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Q2_KInterleaved.Column(group, b, blocks, out byte* header);
                byte* patterns = digest + (long)b * DigestBlockBytes;
                var ints = Vector256<int>.Zero;
                for (int h = 0; h < 2; h++)
                {
                    var quarter0Scales = Scales(header, 4 * h);
                    var quarter1Scales = Scales(header, 4 * h + 1);
                    var quarter2Scales = Scales(header, 4 * h + 2);
                    var quarter3Scales = Scales(header, 4 * h + 3);
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
                            sbyte* pattern = (sbyte*)patterns + 1024 * h + 32 * dword;
                            quarter0 += Avx2.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair256(low, 0), Vector256.Load(pattern));
                            quarter1 += Avx2.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair256(low, 1), Vector256.Load(pattern + 256));
                            quarter2 += Avx2.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair256(low, 2), Vector256.Load(pattern + 512));
                            quarter3 += Avx2.MultiplyAddAdjacent(Q3_KInterleavedKernels.LowPair256(low, 3), Vector256.Load(pattern + 768));
                        }
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter0, PairedRowScales.Spread(quarter0Scales, pick));
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter1, PairedRowScales.Spread(quarter1Scales, pick));
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter2, PairedRowScales.Spread(quarter2Scales, pick));
                        ints = Q4_KInterleavedKernels.ScaledAdd(ints, quarter3, PairedRowScales.Spread(quarter3Scales, pick));
                    }
                }
                sums = Add(sums, ints, MinsTimesBlockSums(header, patterns), header, activationScales[b]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>Scale pair <paramref name="pair"/> of the eight rows as shorts (the low nibbles of the packed bytes): row r's at shorts 2r, 2r + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Scales(byte* header, int pair) =>
        Avx2.ConvertToVector256Int16(Vector128.Load(header + Q2_KInterleaved.ScalesOffset + 16 * pair) & Vector128.Create((byte)0x0F));

    /// <summary>Per row, summs = Σ_g min_g · bsums[g]: the mins (high nibbles) in pairs against the pairs of block sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MinsTimesBlockSums(byte* header, byte* patterns)
    {
        uint* sums = (uint*)(patterns + Q6_KInterleavedKernels.BlockSumsOffset);
        var total = Vector256<int>.Zero;
        for (int pair = 0; pair < 8; pair++)
        {
            var mins = Avx2.ConvertToVector256Int16(Vector128.Load(header + Q2_KInterleaved.ScalesOffset + 16 * pair) >>> 4);
            total += Avx2.MultiplyAddAdjacent(mins, Vector256.Create(sums[pair]).AsInt16());
        }
        return total;
    }

    /// <summary>The one-row dot's float step per row: <c>sum + ((d8 · d) · isum − (d8 · dmin) · summs)</c>, not fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Add(Vector256<float> sums, Vector256<int> isums, Vector256<int> summs, byte* header, float activationScale)
    {
        var d8 = Vector256.Create(activationScale);
        var dall = d8 * InterleavedScales.FromHalves(header);
        var dmin = d8 * InterleavedScales.FromHalves(header + Q2_KInterleaved.MinScalesOffset);
        return sums + (dall * Vector256.ConvertToSingle(isums) - dmin * Vector256.ConvertToSingle(summs));
    }
}
