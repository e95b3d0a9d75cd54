using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q8_0Interleaved"/> groups: per block column four 64-byte weight loads,
/// each multiplied as |w| × (a with w's sign) against activation patterns prepared once per call, summed
/// into sixteen int lanes that each belong to one row, then one convert and one fused multiply-add. The
/// float steps are those of <see cref="Q8_0Interleaved.DotGroupsScalar"/>, so every path equals it to the bit.
/// </summary>
public readonly unsafe struct Q8_0InterleavedKernels : IInterleavedKernel
{
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int ColumnBytes = Q8_0Interleaved.ColumnBytes;
    private const int QuantsOffset = Q8_0Interleaved.QuantsOffset;
    /// <summary>Per activation block: four 64-byte quant patterns, one per weight vector.</summary>
    private const int DigestBlockBytes = 4 * 64;

    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q8_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => DigestBlockBytes;

    static void IInterleavedKernel.FillDigest(byte* activation, int blocks, byte* digest, float* activationScales) =>
        FillDigest(activation, blocks, digest, activationScales);

    static void IInterleavedKernel.Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups512(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination) =>
        Groups256(packed, groups, blocks, digest, activationScales, destination);

    static void IInterleavedKernel.DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q8_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            byte* d = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
            for (int v = 0; v < Q8_0Interleaved.Vectors; v++)
            for (int lane = 0; lane < Q8_0Interleaved.Lanes; lane++)
                Unsafe.WriteUnaligned(d + 64 * v + 4 * lane, Unsafe.ReadUnaligned<uint>(a + 2 + 4 * Q8_0Interleaved.QuantGroup(v, lane)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 5);
                byte* d = digest + (long)b * DigestBlockBytes;
                // |w| ≤ 128 and |a| ≤ 127 keep each 16-bit pair sum exact; pairs go to ints before adding.
                var ints = Products(column + QuantsOffset, d) + Products(column + QuantsOffset + 64, d + 64)
                    + Products(column + QuantsOffset + 128, d + 128) + Products(column + QuantsOffset + 192, d + 192);
                var scales = InterleavedScales.FromHalves(column) * Vector256.Create(activationScales[b]);
                accumulator = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(ints), Vector512.Create(scales, scales), accumulator);
            }
            (accumulator.GetLower() + accumulator.GetUpper()).Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Products(byte* weights, byte* activations)
    {
        var w = Vector512.Load((sbyte*)weights);
        var a = Vector512.Load((sbyte*)activations);
        var signedActivations = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -a, a);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.Abs(w).AsByte(), signedActivations), Vector512<short>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var lowLanes = Vector256<float>.Zero;
            var highLanes = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.Ahead(column, 5);
                byte* d = digest + (long)b * DigestBlockBytes;
                var scales = InterleavedScales.FromHalves(column) * Vector256.Create(activationScales[b]);
                lowLanes = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(HalfInts(column + QuantsOffset, d)), scales, lowLanes);
                highLanes = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(HalfInts(column + QuantsOffset + 32, d + 32)), scales, highLanes);
            }
            (lowLanes + highLanes).Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
        }
    }

    /// <summary>The exact ints of lanes 0–7 (or 8–15, with both pointers 32 bytes on) of one block column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> HalfInts(byte* weights, byte* activations)
    {
        var sum = Vector256<int>.Zero;
        for (int v = 0; v < Q8_0Interleaved.Vectors; v++)
            sum = Int8MultiplyAdd.Signed(sum, Vector256.Load((sbyte*)weights + 64 * v), Vector256.Load((sbyte*)activations + 64 * v));
        return sum;
    }
}
