using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>A Q3_K super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += (d · d8) · isum</c>, isum built in registers (<see cref="Q3_KKernels.Lanes512"/>).</summary>
internal readonly unsafe struct Q3_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q3_KKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q3_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q3_KKernels.DotScalar(weightRow, activationRow, length);

    public static bool HasMinTerm => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes)
    {
        minLanes = default;
        return Q3_KKernels.Lanes512(block, c0, c1, c2, c3, BlockSums(activationBlock));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes)
    {
        minLanes = default;
        return Q3_KKernels.Lanes256(block, (sbyte*)activationBlock + Q8_KKernels.QuantsOffset, BlockSums(activationBlock));
    }

    /// <summary>The scalar dot's step, <c>sum + (d · d8) · isum</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8) => SuperBlockLanes.AddScaled(sum, isum, block, Q3_KKernels.ScaleOffset, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8) =>
        SuperBlockLanes.AddScaled(sums, isums, b0, b1, b2, b3, Q3_KKernels.ScaleOffset, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> BlockSums(byte* activationBlock) => Vector256.Load((short*)(activationBlock + Q8_KKernels.BlockSumsOffset));
}
