using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q4_0Interleaved"/> groups: per block column two 64-byte weight loads,
/// four vpmaddubsw against activation patterns prepared once per call, one vpmaddwd, one convert and one
/// fused multiply-add into sixteen float lanes that each belong to one row. The float steps are those of
/// <see cref="Q4_0Interleaved.DotGroupsScalar"/>, so every path equals it to the bit.
/// </summary>
public readonly unsafe struct Q4_0InterleavedKernels : IInterleavedKernel
{
    /// <summary>Rows are interleaved only where a vector path exists to read them.</summary>
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int ColumnBytes = Q4_0Interleaved.ColumnBytes;
    private const int QuantsOffset = Q4_0Interleaved.QuantsOffset;
    /// <summary>Per activation block: four 64-byte quant patterns (vector 0 low/high, vector 1 low/high) and 16 int biases.</summary>
    private const int DigestBlockBytes = 5 * 64;

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

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q4_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>
    /// Lays out each activation block so that one load lines up with a weight vector: lane i of the pattern
    /// for vector v holds the four quants its nibbles multiply (low: 4j…4j+3, high: 16+4j…, j = 2v + i/8),
    /// and the bias lanes hold 8 · Σ q8 over the elements of lanes 0–7 and 8–15, which turns the unsigned
    /// nibble products into Σ (nibble − 8)·q8.
    /// </summary>
    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            byte* d = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
            for (int v = 0; v < 2; v++)
            for (int lane = 0; lane < Q4_0Interleaved.Lanes; lane++)
            {
                int j = Q4_0Interleaved.PackedGroup(v, lane);
                Unsafe.WriteUnaligned(d + 128 * v + 4 * lane, Unsafe.ReadUnaligned<uint>(a + 2 + 4 * j));
                Unsafe.WriteUnaligned(d + 128 * v + 64 + 4 * lane, Unsafe.ReadUnaligned<uint>(a + 2 + 16 + 4 * j));
            }
            int lowLanes = 0, highLanes = 0;
            for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++)
            {
                int sum = (sbyte)a[2 + 4 * j + k] + (sbyte)a[2 + 16 + 4 * j + k];
                if (j % 2 == 0) lowLanes += sum; else highLanes += sum;
            }
            int* bias = (int*)(d + 256);
            for (int lane = 0; lane < Q4_0Interleaved.Lanes; lane++)
                bias[lane] = 8 * (lane < Q4_0Interleaved.RowsPerGroup ? lowLanes : highLanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var mask = Vector512.Create((byte)0x0F);
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 3);
                byte* d = digest + (long)b * DigestBlockBytes;
                var w0 = Vector512.Load(column + QuantsOffset);
                var w1 = Vector512.Load(column + QuantsOffset + 64);
                // Nibble × q8 pairs are at most 2·15·127 apart from zero; four of them still fit a short.
                var pairs = Avx512BW.MultiplyAddAdjacent(w0 & mask, Vector512.Load((sbyte*)d))
                    + Avx512BW.MultiplyAddAdjacent((w0.AsUInt16() >>> 4).AsByte() & mask, Vector512.Load((sbyte*)d + 64))
                    + Avx512BW.MultiplyAddAdjacent(w1 & mask, Vector512.Load((sbyte*)d + 128))
                    + Avx512BW.MultiplyAddAdjacent((w1.AsUInt16() >>> 4).AsByte() & mask, Vector512.Load((sbyte*)d + 192));
                var ints = Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One) - Vector512.Load((int*)(d + 256));
                var scales = InterleavedScales.FromHalves(column) * Vector256.Create(activationScales[b]);
                accumulator = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(ints), Vector512.Create(scales, scales), accumulator);
            }
            (accumulator.GetLower() + accumulator.GetUpper()).Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var mask = Vector256.Create((byte)0x0F);
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var lowLanes = Vector256<float>.Zero;
            var highLanes = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 3);
                byte* d = digest + (long)b * DigestBlockBytes;
                var scales = InterleavedScales.FromHalves(column) * Vector256.Create(activationScales[b]);
                lowLanes = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(HalfInts(column, d, 0, mask)), scales, lowLanes);
                highLanes = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(HalfInts(column, d, 32, mask)), scales, highLanes);
            }
            (lowLanes + highLanes).Store(destination + (long)g * Q4_0Interleaved.RowsPerGroup);
        }
    }

    /// <summary>The exact ints of lanes 0–7 (<paramref name="half"/> 0) or 8–15 (<paramref name="half"/> 32) of one block column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> HalfInts(byte* column, byte* d, int half, Vector256<byte> mask)
    {
        var w0 = Vector256.Load(column + QuantsOffset + half);
        var w1 = Vector256.Load(column + QuantsOffset + 64 + half);
        var low0 = w0 & mask;
        var high0 = (w0.AsUInt16() >>> 4).AsByte() & mask;
        var low1 = w1 & mask;
        var high1 = (w1.AsUInt16() >>> 4).AsByte() & mask;
        var a0 = Vector256.Load((sbyte*)d + half);
        var a1 = Vector256.Load((sbyte*)d + 64 + half);
        var a2 = Vector256.Load((sbyte*)d + 128 + half);
        var a3 = Vector256.Load((sbyte*)d + 192 + half);
        var bias = Vector256.Load((int*)(d + 256) + half / 4);
        if (AvxVnni.IsSupported)
        {
            var sum = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, low0, a0);
            sum = AvxVnni.MultiplyWideningAndAdd(sum, high0, a1);
            sum = AvxVnni.MultiplyWideningAndAdd(sum, low1, a2);
            sum = AvxVnni.MultiplyWideningAndAdd(sum, high1, a3);
            return sum - bias;
        }
        var pairs = Avx2.MultiplyAddAdjacent(low0, a0) + Avx2.MultiplyAddAdjacent(high0, a1)
            + Avx2.MultiplyAddAdjacent(low1, a2) + Avx2.MultiplyAddAdjacent(high1, a3);
        return Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One) - bias;
    }
}
