using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q8_0Interleaved"/> groups. Lane i of every quant vector belongs to row i and
/// every lane of vector j meets the same four activation quants, so each activation operand is one broadcast of
/// 4 bytes from a 64-byte digest per block that stays in the first-level cache. Per block column eight 64-byte
/// weight loads of the stored q + 128; with AVX-VNNI each is one <c>vpdpbusd</c>; without it the stored byte is
/// split into its nibbles (q + 128 = 16 · high + low), whose <c>vpmaddubsw</c> pair sums stay small enough to add
/// as shorts over the whole column, then two <c>vpmaddwd</c> (by 1 and by 16). Either way 128 · Σ q_a comes off
/// once per column, then one convert and one fused multiply-add per row lane; no horizontal sums and no lane
/// shuffles. The float steps are those of <see cref="Q8_0Interleaved.DotGroupsScalar"/>, so every path equals it
/// to the bit.
/// </summary>
public readonly unsafe struct Q8_0InterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int Vectors = Q8_0Interleaved.Vectors;
    private const int DigestBlockBytes = BlockColumnPairs.DigestBlockBytes;
    private const int BiasIndex = BlockColumnPairs.BiasIndex;

    /// <summary>As <see cref="Q8_0Interleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q8_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    /// <summary>The bias 128 · Σ q8 takes the stored codes' offset off (<see cref="BlockColumnPairs.FillDigest"/>).</summary>
    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        BlockColumnPairs.FillDigest(activation, blocks, Q8_0Interleaved.QuantOffset, withSums: false, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.Groups512<NibbleSums512>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.GroupsInHalves256<PairSumHalves>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static bool IInterleavedKernel.HasVnniLoop => true;

    static void IInterleavedKernel.GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        BlockColumnPairs.GroupsInHalves256<VnniHalves>(packed, groups, blocks, digest, DigestBlockBytes, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q8_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>
    /// With <c>vpmaddubsw</c> at 512 bits: the stored q + 128 split into nibbles, 16 · high + low, each nibble × a in
    /// pair sums. A pair is at most 2·15·128 from zero, so the eight vectors' sums of one nibble half stay within a
    /// short (30720); the high half is weighted by 16 when it is widened.
    /// </summary>
    private readonly struct NibbleSums512 : IBlockColumnInts512
    {
        public static int QuantColumnBytes => Q8_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Ints(byte* quants, byte* extras, int* q)
        {
            var mask = Vector512.Create((byte)0x0F);
            var low = Vector512<short>.Zero;
            var high = Vector512<short>.Zero;
            for (int j = 0; j < Vectors; j++)
            {
                var w = Vector512.Load(quants + 64 * j);
                var a = Vector512.Create(q[j]).AsSByte();
                low += Avx512BW.MultiplyAddAdjacent(w & mask, a);
                high += Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w), a);
            }
            return Avx512BW.MultiplyAddAdjacent(low, Vector512<short>.One)
                + Avx512BW.MultiplyAddAdjacent(high, Vector512.Create((short)16)) - Vector512.Create(q[BiasIndex]);
        }
    }

    /// <summary>With <c>vpmaddubsw</c> at 256 bits, as <see cref="NibbleSums512"/>.</summary>
    private readonly struct PairSumHalves : IBlockColumnInts256
    {
        public static int QuantColumnBytes => Q8_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, byte* extras, int* q)
        {
            var mask = Vector256.Create((byte)0x0F);
            var low = Vector256<short>.Zero;
            var high = Vector256<short>.Zero;
            for (int j = 0; j < Vectors; j++)
            {
                var w = Vector256.Load(quants + 64 * j);
                var a = Vector256.Create(q[j]).AsSByte();
                low += Avx2.MultiplyAddAdjacent(w & mask, a);
                high += Avx2.MultiplyAddAdjacent(PackedNibbles.High256(w), a);
            }
            return Avx2.MultiplyAddAdjacent(low, Vector256<short>.One)
                + Avx2.MultiplyAddAdjacent(high, Vector256.Create((short)16)) - Vector256.Create(q[BiasIndex]);
        }
    }

    /// <summary>With <c>vpdpbusd</c>: the stored bytes as they are, in two sums so consecutive multiply-adds do not wait on each other.</summary>
    private readonly struct VnniHalves : IBlockColumnInts256
    {
        public static int QuantColumnBytes => Q8_0Interleaved.QuantColumnBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, byte* extras, int* q)
        {
            var even = Vector256<int>.Zero;
            var odd = Vector256<int>.Zero;
            for (int j = 0; j < Vectors; j += 2)
            {
                even = AvxVnni.MultiplyWideningAndAdd(even, Vector256.Load(quants + 64 * j), Vector256.Create(q[j]).AsSByte());
                odd = AvxVnni.MultiplyWideningAndAdd(odd, Vector256.Load(quants + 64 * j + 64), Vector256.Create(q[j + 1]).AsSByte());
            }
            return even + odd - Vector256.Create(q[BiasIndex]);
        }
    }
}
