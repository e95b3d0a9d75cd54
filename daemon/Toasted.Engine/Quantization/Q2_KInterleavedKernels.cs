using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q2_KInterleaved"/> groups, against Q6_K's activation patterns
/// (<see cref="Q6_KInterleavedKernels.FillDigest"/>): each code vector is one mask or one GF(2) affine transform out of a
/// 64-byte vector that holds four (<see cref="Q3_KInterleavedKernels.LowPair512"/>), then Q6_K's loops
/// (<see cref="GroupScaleInterleavedLoops{TColumn}"/>): <c>vpmaddubsw</c> against the pattern; a group's two steps add up as shorts (pair sums at most 2 · 3 · 128) and are weighted by the eight rows'
/// 4-bit scales in one <c>vpmaddwd</c>, and the mins meet the block sums in eight more per column. Per row and super-block
/// the ints are <see cref="Q2_KKernels.DotScalar"/>'s isum and summs, and the float step is its
/// <c>sum += (d8 · d) · isum − (d8 · dmin) · summs</c>, so every path equals <see cref="Q2_KInterleaved.DotGroupsScalar"/>
/// to the bit.
/// </summary>
public readonly unsafe struct Q2_KInterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int DigestBlockBytes = Q6_KInterleavedKernels.DigestBlockBytes;

    /// <summary>As <see cref="Q2_KInterleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q2_KInterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        Q6_KInterleavedKernels.FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupScaleInterleavedLoops<LowBits>.Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupScaleInterleavedLoops<LowBits>.Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q2_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>Q2_K's column for the shared loops: low pairs alone, 4-bit scales, the mins and the one-row float step.</summary>
    private readonly struct LowBits : IGroupScaleColumn
    {
        public static long GroupBytes(int blocks) => Q2_KInterleaved.GroupBytes(blocks);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static byte* Column(byte* group, int block, int blocks, out byte* header) => Q2_KInterleaved.Column(group, block, blocks, out header);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>) Quarters512(byte* quants, int h, int pair, int odd)
        {
            var low = Vector512.Load(quants + 256 * h + 128 * pair + 64 * odd);
            return (Q3_KInterleavedKernels.LowPair512(low, 0), Q3_KInterleavedKernels.LowPair512(low, 1),
                Q3_KInterleavedKernels.LowPair512(low, 2), Q3_KInterleavedKernels.LowPair512(low, 3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Quarters256(byte* quants, int h, int c)
        {
            var low = Vector256.Load(quants + 256 * h + 32 * c);
            return (Q3_KInterleavedKernels.LowPair256(low, 0), Q3_KInterleavedKernels.LowPair256(low, 1),
                Q3_KInterleavedKernels.LowPair256(low, 2), Q3_KInterleavedKernels.LowPair256(low, 3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Scales(byte* header, int pair) => Q2_KInterleavedKernels.Scales(header, pair);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> sums, Vector256<int> ints, byte* header, byte* patterns, float activationScale) =>
            Q2_KInterleavedKernels.Add(sums, ints, MinsTimesBlockSums(header, patterns), header, activationScale);
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
