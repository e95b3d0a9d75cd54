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

    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int Vectors = Q8_0Interleaved.Vectors;
    private const int QuantColumnBytes = Q8_0Interleaved.QuantColumnBytes;
    private const int ScaleColumnBytes = Q8_0Interleaved.ScaleColumnBytes;
    private const int PairBytes = Q8_0Interleaved.PairBytes;
    /// <summary>Where a pair's first quant column starts, after both columns' scales.</summary>
    private const int FirstQuants = 2 * ScaleColumnBytes;
    /// <summary>Per activation block: the 32 quants as they are, then the int bias 128 · Σ q_a; one line.</summary>
    private const int DigestBlockBytes = 64;
    /// <summary>Where the bias sits, as an int index into the block's digest.</summary>
    private const int BiasIndex = 8;

    /// <summary>As <see cref="Q8_0Interleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q8_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsInHalves256<PairSumHalves>(packed, groups, blocks, digest, activationScales, destination);

    static bool IInterleavedKernel.HasVnniLoop => true;

    static void IInterleavedKernel.GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsInHalves256<VnniHalves>(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q8_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>
    /// Copies each activation block's quants and adds the bias 128 · Σ q_a, which turns the products of the stored
    /// q + 128 into Σ q·q_a; the activation scale is kept times 2¹¹² for <see cref="InterleavedScales.ScaledHalves(byte*, Vector512{float})"/>.
    /// </summary>
    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            byte* d = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a)) * InterleavedScales.HalfExponentGap;
            Unsafe.CopyBlockUnaligned(d, a + 2, Q8_0Kernels.BlockSize);
            ((int*)d)[BiasIndex] = Q8_0Interleaved.QuantOffset * Q8_0Kernels.QuantSum(a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        long groupBytes = Q8_0Interleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            var accumulator = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b += 2, pair += PairBytes)
            {
                WeightStreamPrefetch.AheadOfQ8_0Pair(pair);
                accumulator = Column512(pair + FirstQuants, pair, digest + (long)b * DigestBlockBytes, activationScales[b], accumulator);
                if (b + 1 < blocks)
                    accumulator = Column512(pair + FirstQuants + QuantColumnBytes, pair + ScaleColumnBytes,
                        digest + (long)(b + 1) * DigestBlockBytes, activationScales[b + 1], accumulator);
            }
            accumulator.Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
        }
    }

    /// <summary>
    /// One block column of a group at 512 bits: sixteen rows' block ints, scaled and added to their lanes. A nibble
    /// pair sum is at most 2·15·128 from zero, so the eight vectors' sums of one nibble half stay within a short
    /// (30720); the high half is weighted by 16 when it is widened.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Column512(byte* quants, byte* scales, byte* digestBlock, float activationScale, Vector512<float> accumulator)
    {
        var mask = Vector512.Create((byte)0x0F);
        int* q = (int*)digestBlock;
        var low = Vector512<short>.Zero;
        var high = Vector512<short>.Zero;
        for (int j = 0; j < Vectors; j++)
        {
            var w = Vector512.Load(quants + 64 * j);
            var a = Vector512.Create(q[j]).AsSByte();
            low += Avx512BW.MultiplyAddAdjacent(w & mask, a);
            high += Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w), a);
        }
        var ints = Avx512BW.MultiplyAddAdjacent(low, Vector512<short>.One)
            + Avx512BW.MultiplyAddAdjacent(high, Vector512.Create((short)16)) - Vector512.Create(q[BiasIndex]);
        var rowScales = InterleavedScales.ScaledHalves(scales, Vector512.Create(activationScale));
        return Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(ints), rowScales, accumulator);
    }

    /// <summary>The 256-bit loops: each group as two halves of eight rows, whose block ints <typeparamref name="THalves"/> forms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupsInHalves256<THalves>(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
        where THalves : struct, IHalfColumnInts
    {
        long groupBytes = Q8_0Interleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            // Rows 0–7 are the lower halves of the quant vectors, rows 8–15 the upper ones.
            var lower = Vector256<float>.Zero;
            var upper = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b += 2, pair += PairBytes)
            {
                WeightStreamPrefetch.AheadOfQ8_0Pair(pair);
                Column256<THalves>(pair + FirstQuants, pair, digest + (long)b * DigestBlockBytes, activationScales[b], ref lower, ref upper);
                if (b + 1 < blocks)
                    Column256<THalves>(pair + FirstQuants + QuantColumnBytes, pair + ScaleColumnBytes,
                        digest + (long)(b + 1) * DigestBlockBytes, activationScales[b + 1], ref lower, ref upper);
            }
            lower.Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
            upper.Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup + 8);
        }
    }

    /// <summary>One block column of a group at 256 bits, as two halves of eight rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column256<THalves>(byte* quants, byte* scales, byte* digestBlock, float activationScale, ref Vector256<float> lower, ref Vector256<float> upper)
        where THalves : struct, IHalfColumnInts
    {
        int* q = (int*)digestBlock;
        var factor = Vector256.Create(activationScale);
        lower = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants, q)),
            InterleavedScales.ScaledHalves(scales, factor), lower);
        upper = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants + 32, q)),
            InterleavedScales.ScaledHalves(scales + 16, factor), upper);
    }

    /// <summary>The block ints of the eight rows whose lanes start at <c>quants</c> in each of a column's eight vectors.</summary>
    private interface IHalfColumnInts
    {
        static abstract Vector256<int> Ints(byte* quants, int* q);
    }

    /// <summary>With <c>vpmaddubsw</c>: the stored bytes split into nibbles, each half's pair sums added as shorts, as <see cref="Column512"/>.</summary>
    private readonly struct PairSumHalves : IHalfColumnInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, int* q)
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
    private readonly struct VnniHalves : IHalfColumnInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, int* q)
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
