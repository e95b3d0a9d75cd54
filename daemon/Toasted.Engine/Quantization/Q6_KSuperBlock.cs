using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// A Q6_K super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += (d · d8) · isum</c>, isum built in
/// registers from the file's nibbles and two-bit planes, its −32 offset taken out through the activation's block sums.
/// The ints are <see cref="Q6_KKernels.DotScalar"/>'s.
/// </summary>
internal readonly unsafe struct Q6_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q6_KKernels.BytesPerBlock;

    public static bool HasMinTerm => false;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q6_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q6_KKernels.DotScalar(weightRow, activationRow, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes)
    {
        minLanes = default;
        var wide = Scales(block);
        var scales = VectorHalves.Repeat(wide);
        var acc = HalfBlock(Vector512<int>.Zero, block, 0, c0, c1, scales);
        acc = HalfBlock(acc, block, 1, c2, c3, scales);
        return SuperBlockLanes.Fold(acc) - OffsetLanes(wide, activationBlock);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes)
    {
        minLanes = default;
        var wide = Scales(block);
        sbyte* q8 = (sbyte*)activationBlock + Q8_KKernels.QuantsOffset;
        var acc = Vector256<int>.Zero;
        for (int h = 0; h < 2; h++)
        {
            var ql0 = Vector256.Load(block + 64 * h);
            var ql1 = Vector256.Load(block + 64 * h + 32);
            var qh = Vector256.Load(block + Q6_KKernels.HighBitsOffset + 32 * h);
            for (int quarter = 0; quarter < 4; quarter++)
            {
                int step = 4 * h + quarter;
                acc = Int8MultiplyAdd.UnsignedScaled(acc, Q6_KKernels.Quarter(ql0, ql1, qh, quarter), Vector256.Load(q8 + 32 * step), GroupScaleLanes.Step256(wide, step));
            }
        }
        return acc - OffsetLanes(wide, activationBlock);
    }

    /// <summary>The scalar dot's step, <c>sum + (d · d8) · isum</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8) => SuperBlockLanes.AddScaled(sum, isum, block, Q6_KKernels.ScaleOffset, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8) =>
        SuperBlockLanes.AddScaled(sums, isums, b0, b1, b2, b3, Q6_KKernels.ScaleOffset, d8);

    /// <summary>The sixteen signed group scales widened to shorts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Scales(byte* block) => Avx2.ConvertToVector256Int16(Vector128.Load((sbyte*)block + Q6_KKernels.ScalesOffset));

    /// <summary>Lanes adding up to 32 · Σ_g scale[g] · bsums[g], the quants' −32 offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> OffsetLanes(Vector256<short> scales, byte* activationBlock) =>
        Avx2.MultiplyAddAdjacent(scales, Vector256.Load((short*)(activationBlock + Q8_KKernels.BlockSumsOffset))) << 5;

    /// <summary>Elements 128h … 128h + 127: quarters 0, 1 against <paramref name="first"/>, quarters 2, 3 against <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> HalfBlock(Vector512<int> acc, byte* block, int h, Vector512<sbyte> first, Vector512<sbyte> second, Vector512<short> scales)
    {
        var ql0 = Vector256.Load(block + 64 * h);
        var ql1 = Vector256.Load(block + 64 * h + 32);
        var qh = Vector256.Load(block + Q6_KKernels.HighBitsOffset + 32 * h);
        var mask = Vector256.Create((byte)0xF);
        var three = Vector256.Create((byte)3);
        var q0 = (ql0 & mask) | ((qh & three) << 4);
        var q1 = (ql1 & mask) | (((qh >>> 2) & three) << 4);
        var q2 = (ql0 >>> 4) | (((qh >>> 4) & three) << 4);
        var q3 = (ql1 >>> 4) | ((qh >>> 6) << 4);
        acc = Int8MultiplyAdd.UnsignedScaled(acc, VectorHalves.Join(q0, q1), first, GroupScaleLanes.Step512(scales, 2 * h));
        return Int8MultiplyAdd.UnsignedScaled(acc, VectorHalves.Join(q2, q3), second, GroupScaleLanes.Step512(scales, 2 * h + 1));
    }
}
