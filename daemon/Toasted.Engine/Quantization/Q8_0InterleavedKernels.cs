using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Matrix × vector over <see cref="Q8_0Interleaved"/> groups. With AVX-VNNI (also on cores with 512-bit vectors):
/// per block column eight 32-byte weight loads, each one <c>vpdpbusd</c> of the stored unsigned q + 128 against
/// a 4-byte broadcast of the activation quants its lanes share, minus 128 · Σ q_a once per column. Without it:
/// |w| × (a with w's sign) through <c>vpmaddubsw</c> against activation patterns prepared once per call. Either
/// way the two halves of each row's block are added as ints, then one convert and one fused multiply-add per row;
/// the float steps are those of <see cref="Q8_0Interleaved.DotGroupsScalar"/>, so every path equals it to the bit.
/// </summary>
public readonly unsafe struct Q8_0InterleavedKernels : IInterleavedKernel
{
    public static bool IsSupported => Int8MultiplyAdd.Is256Supported;

    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int ColumnBytes = Q8_0Interleaved.ColumnBytes;
    private const int QuantsOffset = Q8_0Interleaved.QuantsOffset;
    /// <summary>Per activation block: four 64-byte quant patterns, one per weight vector.</summary>
    private const int DigestBlockBytes = 4 * 64;
    /// <summary>Per activation block for <see cref="GroupsVnni256"/>: the 32 quants as they are, then the int bias.</summary>
    private const int CompactDigestBlockBytes = 64;
    private const int CompactBiasOffset = 32;

    public static void DotGroups(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        InterleavedKernelDriver<Q8_0InterleavedKernels>.DotGroups(packed, groups, blocks, activation, destination);

    static int IInterleavedKernel.DigestBlockBytes => InterleavedKernelDriver<Q8_0InterleavedKernels>.UsesVnniLoop ? CompactDigestBlockBytes : DigestBlockBytes;

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
        Q8_0Interleaved.DotGroupsScalar(packed, groups, blocks, activation, destination);

    /// <summary>The activation scale is kept times 2¹¹² for <see cref="InterleavedScales.ScaledHalves"/>.</summary>
    private static void FillDigest(byte* activation, int blocks, byte* digest, float* activationScales)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * ActivationBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a)) * InterleavedScales.HalfExponentGap;
            if (InterleavedKernelDriver<Q8_0InterleavedKernels>.UsesVnniLoop)
            {
                byte* compact = digest + (long)b * CompactDigestBlockBytes;
                Unsafe.CopyBlockUnaligned(compact, a + 2, Q8_0Kernels.BlockSize);
                *(int*)(compact + CompactBiasOffset) = Q8_0Interleaved.QuantOffset * Q8_0Kernels.QuantSum(a);
                continue;
            }
            byte* d = digest + (long)b * DigestBlockBytes;
            for (int v = 0; v < Q8_0Interleaved.Vectors; v++)
            for (int lane = 0; lane < Q8_0Interleaved.Lanes; lane++)
                Unsafe.WriteUnaligned(d + 64 * v + 4 * lane, Unsafe.ReadUnaligned<uint>(a + 2 + 4 * Q8_0Interleaved.QuantGroup(v, lane)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupsVnni256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.AheadOfQ8_0Column(column);
                int* q = (int*)(digest + (long)b * CompactDigestBlockBytes);
                byte* w = column + QuantsOffset;
                // Vector v, half h holds quant group j = 2v + h of each row: one broadcast feeds all eight rows.
                var even = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(w), Vector256.Create(q[0]).AsSByte());
                var odd = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(w + 32), Vector256.Create(q[1]).AsSByte());
                even = AvxVnni.MultiplyWideningAndAdd(even, Vector256.Load(w + 64), Vector256.Create(q[2]).AsSByte());
                odd = AvxVnni.MultiplyWideningAndAdd(odd, Vector256.Load(w + 96), Vector256.Create(q[3]).AsSByte());
                even = AvxVnni.MultiplyWideningAndAdd(even, Vector256.Load(w + 128), Vector256.Create(q[4]).AsSByte());
                odd = AvxVnni.MultiplyWideningAndAdd(odd, Vector256.Load(w + 160), Vector256.Create(q[5]).AsSByte());
                even = AvxVnni.MultiplyWideningAndAdd(even, Vector256.Load(w + 192), Vector256.Create(q[6]).AsSByte());
                odd = AvxVnni.MultiplyWideningAndAdd(odd, Vector256.Load(w + 224), Vector256.Create(q[7]).AsSByte());
                var ints = even + odd - Vector256.Create(q[CompactBiasOffset / sizeof(int)]);
                var scales = InterleavedScales.ScaledHalves(column, Vector256.Create(activationScales[b]));
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(ints), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups512(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.AheadOfQ8_0Column(column);
                byte* d = digest + (long)b * DigestBlockBytes;
                // |w| ≤ 128 and |a| ≤ 127 keep each 16-bit pair sum exact; pairs go to ints before adding.
                var lanes = Products(column + QuantsOffset, d) + Products(column + QuantsOffset + 64, d + 64)
                    + Products(column + QuantsOffset + 128, d + 128) + Products(column + QuantsOffset + 192, d + 192);
                var scales = InterleavedScales.ScaledHalves(column, Vector256.Create(activationScales[b]));
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(lanes.GetLower() + lanes.GetUpper()), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
        }
    }

    /// <summary>The stored q + 128 back to q, then |w| × (a with w's sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Products(byte* weights, byte* activations)
    {
        var w = (Vector512.Load(weights) ^ Vector512.Create((byte)0x80)).AsSByte();
        var a = Vector512.Load((sbyte*)activations);
        var signedActivations = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -a, a);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.Abs(w).AsByte(), signedActivations), Vector512<short>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups256(byte* packed, int groups, int blocks, byte* digest, float* activationScales, float* destination)
    {
        var offset = Vector256.Create((byte)0x80);
        for (int g = 0; g < groups; g++)
        {
            byte* column = packed + (long)g * blocks * ColumnBytes;
            var accumulator = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, column += ColumnBytes)
            {
                WeightStreamPrefetch.AheadOfQ8_0Column(column);
                byte* d = digest + (long)b * DigestBlockBytes;
                var sum = Vector256<int>.Zero;
                for (int half = 0; half < 64; half += 32)
                for (int v = 0; v < Q8_0Interleaved.Vectors; v++)
                    sum = Int8MultiplyAdd.Signed(sum, (Vector256.Load(column + QuantsOffset + 64 * v + half) ^ offset).AsSByte(), Vector256.Load((sbyte*)d + 64 * v + half));
                var scales = InterleavedScales.ScaledHalves(column, Vector256.Create(activationScales[b]));
                accumulator = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sum), scales, accumulator);
            }
            accumulator.Store(destination + (long)g * Q8_0Interleaved.RowsPerGroup);
        }
    }
}
