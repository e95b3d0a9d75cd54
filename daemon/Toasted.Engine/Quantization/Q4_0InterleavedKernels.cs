using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q4_0Interleaved"/> groups. Lane i of every quant vector belongs to row i and
/// every lane of vector j meets the same four activation quants, so each activation operand is one broadcast
/// of 4 bytes from a 64-byte digest per block that stays in the first-level cache: per block column four
/// 64-byte weight loads, eight <c>vpmaddubsw</c> (or, with AVX-VNNI, <c>vpdpbusd</c>) against broadcasts, one
/// <c>vpmaddwd</c>, then one convert and one fused multiply-add into sixteen float lanes, one per row; no
/// horizontal sums and no lane shuffles. The float steps are those of
/// <see cref="Q4_0Interleaved.DotGroupsScalar"/>, so every path equals it to the bit.
/// </summary>
public readonly unsafe struct Q4_0InterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int DigestBlockBytes = BlockColumnPairs.DigestBlockBytes;
    private const int BiasIndex = BlockColumnPairs.BiasIndex;

    /// <summary>As <see cref="Q4_0Interleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q4_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    /// <summary>The bias 8 · Σ q8 turns the unsigned nibble products into Σ (nibble − 8) · q8 (<see cref="BlockColumnPairs.FillDigest"/>).</summary>
    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        BlockColumnPairs.FillDigest(activation, blocks, 8, withSums: false, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static bool IInterleavedKernel.HasVnniLoop => true;

    static void IInterleavedKernel.GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsVnni256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q4_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.Groups512<NibbleSums512>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.GroupsInHalves256<PairSumHalves>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    /// <summary>
    /// The 256-bit loop with <c>vpdpbusd</c>, preferred wherever AVX-VNNI exists, also on cores with 512-bit
    /// vectors: it sums four products into 32 bits without saturation, so the high nibbles are masked in place
    /// (16 · nibble, no shift) and their sum divided by 16 once per column, exactly. Fewer and narrower operations
    /// per block than <c>vpmaddubsw</c> at 512 bits, which Zen 4 splits into two 256-bit halves anyway.
    /// </summary>
    private static void GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.GroupsInHalves256<VnniHalves>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    /// <summary>
    /// With <c>vpmaddubsw</c> at 512 bits: vector j's low nibbles meet quants 4j…4j+3, its high nibbles 16+4j…,
    /// every lane the same four. Each pair is at most 2·15·128 from zero, so the eight of a block column (four
    /// vectors, low and high) sum to at most 30720 and still fit a short; one <c>vpmaddwd</c> by 1 widens them.
    /// </summary>
    private readonly struct NibbleSums512 : IBlockColumnInts512
    {
        public static int QuantColumnBytes => Q4_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Ints(byte* quants, byte* extras, int* q)
        {
            var mask = Vector512.Create((byte)0x0F);
            var pairs = Vector512<short>.Zero;
            for (int j = 0; j < 4; j++)
            {
                var w = Vector512.Load(quants + 64 * j);
                pairs += Avx512BW.MultiplyAddAdjacent(w & mask, Vector512.Create(q[j]).AsSByte())
                    + Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w), Vector512.Create(q[4 + j]).AsSByte());
            }
            return Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One) - Vector512.Create(q[BiasIndex]);
        }
    }

    /// <summary>With <c>vpmaddubsw</c> at 256 bits: low nibbles masked, high nibbles moved down, pair sums added as shorts.</summary>
    private readonly struct PairSumHalves : IBlockColumnInts256
    {
        public static int QuantColumnBytes => Q4_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, byte* extras, int* q)
        {
            var mask = Vector256.Create((byte)0x0F);
            var pairs = Vector256<short>.Zero;
            for (int j = 0; j < 4; j++)
            {
                var w = Vector256.Load(quants + 64 * j);
                pairs += Avx2.MultiplyAddAdjacent(w & mask, Vector256.Create(q[j]).AsSByte())
                    + Avx2.MultiplyAddAdjacent(PackedNibbles.High256(w), Vector256.Create(q[4 + j]).AsSByte());
            }
            return Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One) - Vector256.Create(q[BiasIndex]);
        }
    }

    /// <summary>With <c>vpdpbusd</c>: high nibbles in place as 16 · nibble in a second sum, divided by 16 at the end.</summary>
    private readonly struct VnniHalves : IBlockColumnInts256
    {
        public static int QuantColumnBytes => Q4_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, byte* extras, int* q)
        {
            var lowMask = Vector256.Create((byte)0x0F);
            var highMask = Vector256.Create((byte)0xF0);
            var low = Vector256<int>.Zero;
            var high = Vector256<int>.Zero;
            for (int j = 0; j < 4; j++)
            {
                var w = Vector256.Load(quants + 64 * j);
                low = AvxVnni.MultiplyWideningAndAdd(low, w & lowMask, Vector256.Create(q[j]).AsSByte());
                high = AvxVnni.MultiplyWideningAndAdd(high, w & highMask, Vector256.Create(q[4 + j]).AsSByte());
            }
            return low + (high >> 4) - Vector256.Create(q[BiasIndex]);
        }
    }
}
