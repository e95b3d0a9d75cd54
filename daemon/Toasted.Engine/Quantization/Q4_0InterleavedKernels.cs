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

    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int QuantColumnBytes = Q4_0Interleaved.QuantColumnBytes;
    private const int ScaleColumnBytes = Q4_0Interleaved.ScaleColumnBytes;
    private const int PairBytes = Q4_0Interleaved.PairBytes;
    /// <summary>Where a pair's first quant column starts, after both columns' scales.</summary>
    private const int FirstQuants = 2 * ScaleColumnBytes;
    /// <summary>Per activation block: the 32 quants as they are, then the int bias 8 · Σ q8; one line.</summary>
    private const int DigestBlockBytes = 64;
    /// <summary>Where the bias sits, as an int index into the block's digest.</summary>
    private const int BiasIndex = 8;

    /// <summary>As <see cref="Q4_0Interleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q4_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static bool IInterleavedKernel.HasVnniLoop => true;

    static void IInterleavedKernel.GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsVnni256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q4_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>
    /// Copies each activation block's quants and adds the bias 8 · Σ q8 over the block, which turns the unsigned
    /// nibble products into Σ (nibble − 8)·q8; the activation scale is kept times 2¹¹² for
    /// <see cref="InterleavedScales.ScaledHalves"/>.
    /// </summary>
    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            byte* d = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a)) * InterleavedScales.HalfExponentGap;
            Unsafe.CopyBlockUnaligned(d, a + 2, Q4_0Kernels.BlockSize);
            ((int*)d)[BiasIndex] = 8 * Q8_0Kernels.QuantSum(a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var mask = Vector512.Create((byte)0x0F);
        long groupBytes = Q4_0Interleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            var accumulator = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b += 2, pair += PairBytes)
            {
                WeightStreamPrefetch.AheadOfQ4_0Pair(pair);
                accumulator = Column512(pair + FirstQuants, pair, digest + (long)b * DigestBlockBytes, activationScales[b], mask, accumulator);
                if (b + 1 < blocks)
                    accumulator = Column512(pair + FirstQuants + QuantColumnBytes, pair + ScaleColumnBytes,
                        digest + (long)(b + 1) * DigestBlockBytes, activationScales[b + 1], mask, accumulator);
            }
            accumulator.Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
        }
    }

    /// <summary>One block column of a group at 512 bits: sixteen rows' block ints, scaled and added to their lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Column512(byte* quants, byte* scales, byte* digestBlock, float activationScale, Vector512<byte> mask, Vector512<float> accumulator)
    {
        int* q = (int*)digestBlock;
        // Vector j's low nibbles meet quants 4j…4j+3, its high nibbles 16+4j…; every lane the same four.
        var pairs = NibblePairs512(Vector512.Load(quants), mask, q[0], q[4])
            + NibblePairs512(Vector512.Load(quants + 64), mask, q[1], q[5])
            + NibblePairs512(Vector512.Load(quants + 128), mask, q[2], q[6])
            + NibblePairs512(Vector512.Load(quants + 192), mask, q[3], q[7]);
        var ints = Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One) - Vector512.Create(q[BiasIndex]);
        var rowScales = InterleavedScales.ScaledHalves(scales, Vector512.Create(activationScale));
        return Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(ints), rowScales, accumulator);
    }

    /// <summary>
    /// One quant vector's two nibble products in 16-bit pairs. Each pair is at most 2·15·127 from zero, so the
    /// eight of a block column (four vectors, low and high) sum to at most 30480 and still fit a short.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> NibblePairs512(Vector512<byte> w, Vector512<byte> mask, int lowQuants, int highQuants) =>
        Avx512BW.MultiplyAddAdjacent(w & mask, Vector512.Create(lowQuants).AsSByte())
        + Avx512BW.MultiplyAddAdjacent(PackedNibbles.High512(w), Vector512.Create(highQuants).AsSByte());

    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsInHalves256<PairSumHalves>(packed, groups, blocks, digest, activationScales, destination);

    /// <summary>
    /// The 256-bit loop with <c>vpdpbusd</c>, preferred wherever AVX-VNNI exists, also on cores with 512-bit
    /// vectors: it sums four products into 32 bits without saturation, so the high nibbles are masked in place
    /// (16 · nibble, no shift) and their sum divided by 16 once per column, exactly. Fewer and narrower operations
    /// per block than <c>vpmaddubsw</c> at 512 bits, which Zen 4 splits into two 256-bit halves anyway.
    /// </summary>
    private static void GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        GroupsInHalves256<VnniHalves>(packed, groups, blocks, digest, activationScales, destination);

    /// <summary>The 256-bit loops: each group as two halves of eight rows, whose block ints <typeparamref name="THalves"/> forms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupsInHalves256<THalves>(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
        where THalves : struct, IHalfColumnInts
    {
        long groupBytes = Q4_0Interleaved.GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            // Rows 0–7 are the lower halves of the quant vectors, rows 8–15 the upper ones.
            var lower = Vector256<float>.Zero;
            var upper = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b += 2, pair += PairBytes)
            {
                WeightStreamPrefetch.AheadOfQ4_0Pair(pair);
                Column256<THalves>(pair + FirstQuants, pair, digest + (long)b * DigestBlockBytes, activationScales[b], ref lower, ref upper);
                if (b + 1 < blocks)
                    Column256<THalves>(pair + FirstQuants + QuantColumnBytes, pair + ScaleColumnBytes,
                        digest + (long)(b + 1) * DigestBlockBytes, activationScales[b + 1], ref lower, ref upper);
            }
            lower.Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
            upper.Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup + 8);
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

    /// <summary>The block ints of the eight rows whose lanes start at <c>quants</c> in each of a column's four vectors.</summary>
    private interface IHalfColumnInts
    {
        static abstract Vector256<int> Ints(byte* quants, int* q);
    }

    /// <summary>With <c>vpmaddubsw</c>: low nibbles masked, high nibbles shifted down, pair sums added as shorts.</summary>
    private readonly struct PairSumHalves : IHalfColumnInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, int* q)
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
    private readonly struct VnniHalves : IHalfColumnInts
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Ints(byte* quants, int* q)
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
