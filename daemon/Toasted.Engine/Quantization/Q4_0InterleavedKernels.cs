using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q4_0Interleaved"/> groups: per block column two 64-byte weight loads,
/// four vpmaddubsw against activation patterns prepared once per call, one vpmaddwd, the two halves of each
/// row's block added as ints, one convert and one fused multiply-add into eight float lanes, one per row. With
/// AVX-VNNI, <see cref="GroupsVnni256"/> builds the same ints with vpdpbusd against 4-byte activation broadcasts.
/// The float steps are those of <see cref="Q4_0Interleaved.DotGroupsScalar"/>, so every path equals it to the bit.
/// </summary>
public readonly unsafe struct Q4_0InterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int ColumnBytes = Q4_0Interleaved.ColumnBytes;
    private const int QuantsOffset = Q4_0Interleaved.QuantsOffset;
    /// <summary>Per activation block: four 64-byte quant patterns (vector 0 low/high, vector 1 low/high), then the int bias in a line of its own.</summary>
    private const int DigestBlockBytes = 5 * 64;
    /// <summary>Where the block's int bias 8 · Σ q8 sits after the four patterns.</summary>
    private const int BiasOffset = 4 * 64;
    /// <summary>Per activation block for <see cref="GroupsVnni256"/>: the 32 quants as they are, then the int bias.</summary>
    private const int CompactDigestBlockBytes = 64;
    private const int CompactBiasOffset = 32;

    /// <summary>As <see cref="Q4_0Interleaved.DotGroupsScalar"/>, with the widest vectors available.</summary>
    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q4_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => InterleavedKernelDriver<Q4_0InterleavedKernels>.UsesVnniLoop ? CompactDigestBlockBytes : DigestBlockBytes;

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
    /// Lays out each activation block so that one load lines up with a weight vector: lane i of the pattern
    /// for vector v holds the four quants its nibbles multiply (low: 4j…4j+3, high: 16+4j…, j = 2v + i/8).
    /// The bias 8 · Σ q8 over the block turns the unsigned nibble products into Σ (nibble − 8)·q8, and the
    /// activation scale is kept times 2¹¹² for <see cref="InterleavedScales.ScaledHalves"/>.
    /// </summary>
    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        if (InterleavedKernelDriver<Q4_0InterleavedKernels>.UsesVnniLoop)
        {
            for (int b = 0; b < blocks; b++)
            {
                byte* a = activation + (long)b * ActivationBlockBytes;
                byte* d = digest + (long)b * CompactDigestBlockBytes;
                activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a)) * InterleavedScales.HalfExponentGap;
                Unsafe.CopyBlockUnaligned(d, a + 2, Q4_0Kernels.BlockSize);
                *(int*)(d + CompactBiasOffset) = 8 * Q8_0Kernels.QuantSum(a);
            }
            return;
        }
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            byte* d = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a)) * InterleavedScales.HalfExponentGap;
            for (int v = 0; v < 2; v++)
            for (int lane = 0; lane < Q4_0Interleaved.Lanes; lane++)
            {
                int j = Q4_0Interleaved.PackedGroup(v, lane);
                Unsafe.WriteUnaligned(d + 128 * v + 4 * lane, Unsafe.ReadUnaligned<uint>(a + 2 + 4 * j));
                Unsafe.WriteUnaligned(d + 128 * v + 64 + 4 * lane, Unsafe.ReadUnaligned<uint>(a + 2 + 16 + 4 * j));
            }
            *(int*)(d + BiasOffset) = 8 * Q8_0Kernels.QuantSum(a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var mask = Vector512.Create((byte)0x0F);
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 3, WeightStreamPrefetch.Q4_0Distance);
                byte* d = digest + (long)b * DigestBlockBytes;
                var w0 = Vector512.Load(column + QuantsOffset);
                var w1 = Vector512.Load(column + QuantsOffset + 64);
                // Nibble × q8 pairs are at most 2·15·127 apart from zero; four of them still fit a short.
                var pairs = Avx512BW.MultiplyAddAdjacent(w0 & mask, Vector512.Load((sbyte*)d))
                    + Avx512BW.MultiplyAddAdjacent((w0.AsUInt16() >>> 4).AsByte() & mask, Vector512.Load((sbyte*)d + 64))
                    + Avx512BW.MultiplyAddAdjacent(w1 & mask, Vector512.Load((sbyte*)d + 128))
                    + Avx512BW.MultiplyAddAdjacent((w1.AsUInt16() >>> 4).AsByte() & mask, Vector512.Load((sbyte*)d + 192));
                var lanes = Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One);
                // Lanes r and r + 8 hold the two halves of row r's block.
                var ints = lanes.GetLower() + lanes.GetUpper() - Vector256.Create(*(int*)(d + BiasOffset));
                var scales = InterleavedScales.ScaledHalves(column, Vector256.Create(activationScales[b]));
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var mask = Vector256.Create((byte)0x0F);
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 3, WeightStreamPrefetch.Q4_0Distance);
                byte* d = digest + (long)b * DigestBlockBytes;
                var pairs = Vector256<short>.Zero;
                for (int part = 0; part < 4; part++)
                {
                    // part: vector (part / 2), half (part % 2) of the column; the patterns follow the same order.
                    int offset = 64 * (part / 2) + 32 * (part % 2);
                    var w = Vector256.Load(column + QuantsOffset + offset);
                    pairs += Avx2.MultiplyAddAdjacent(w & mask, Vector256.Load((sbyte*)d + 2 * offset - 32 * (part % 2)))
                        + Avx2.MultiplyAddAdjacent((w.AsUInt16() >>> 4).AsByte() & mask, Vector256.Load((sbyte*)d + 2 * offset - 32 * (part % 2) + 64));
                }
                var ints = Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One) - Vector256.Create(*(int*)(d + BiasOffset));
                var scales = InterleavedScales.ScaledHalves(column, Vector256.Create(activationScales[b]));
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
        }
    }

    /// <summary>
    /// The 256-bit loop with <c>vpdpbusd</c>, preferred wherever AVX-VNNI exists, also on cores with 512-bit
    /// vectors: it sums four products into 32 bits without saturation, so the high nibbles are masked in place
    /// (16 · nibble, no shift) and their sum divided by 16 once per column, exactly; and lanes 0–7 (8–15) of a
    /// weight vector all multiply the same four activation quants, so each activation operand is one
    /// broadcast of 4 bytes instead of a 32-byte pattern. Fewer and narrower operations per block than
    /// <c>vpmaddubsw</c> at 512 bits, which Zen 4 splits into two 256-bit halves anyway.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var lowMask = Vector256.Create((byte)0x0F);
        var highMask = Vector256.Create((byte)0xF0);
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 3, WeightStreamPrefetch.Q4_0Distance);
                int* q = (int*)(digest + (long)b * CompactDigestBlockBytes);
                // Vector v, half h holds packed group j = 2v + h: low nibbles meet quants 4j…, high ones 16 + 4j….
                var w00 = Vector256.Load(column + QuantsOffset);
                var w01 = Vector256.Load(column + QuantsOffset + 32);
                var w10 = Vector256.Load(column + QuantsOffset + 64);
                var w11 = Vector256.Load(column + QuantsOffset + 96);
                var low = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, w00 & lowMask, Vector256.Create(q[0]).AsSByte());
                var high = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, w00 & highMask, Vector256.Create(q[4]).AsSByte());
                low = AvxVnni.MultiplyWideningAndAdd(low, w01 & lowMask, Vector256.Create(q[1]).AsSByte());
                high = AvxVnni.MultiplyWideningAndAdd(high, w01 & highMask, Vector256.Create(q[5]).AsSByte());
                low = AvxVnni.MultiplyWideningAndAdd(low, w10 & lowMask, Vector256.Create(q[2]).AsSByte());
                high = AvxVnni.MultiplyWideningAndAdd(high, w10 & highMask, Vector256.Create(q[6]).AsSByte());
                low = AvxVnni.MultiplyWideningAndAdd(low, w11 & lowMask, Vector256.Create(q[3]).AsSByte());
                high = AvxVnni.MultiplyWideningAndAdd(high, w11 & highMask, Vector256.Create(q[7]).AsSByte());
                var ints = low + (high >> 4) - Vector256.Create(q[CompactBiasOffset / sizeof(int)]);
                var scales = InterleavedScales.ScaledHalves(column, Vector256.Create(activationScales[b]));
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
        }
    }
}
