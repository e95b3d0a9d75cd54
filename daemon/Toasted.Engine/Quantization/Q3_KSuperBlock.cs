using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>A Q3_K super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += (d · d8) · isum</c>, isum built in registers.</summary>
internal readonly unsafe struct Q3_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q3_KKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q3_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q3_KKernels.DotScalar(weightRow, activationRow, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add512(float sum, byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3) =>
        sum + Q8_0Kernels.Scale(ref block[Q3_KKernels.ScaleOffset]) * *(float*)activationBlock
            * Q3_KKernels.SuperBlock512(block, c0, c1, c2, c3, BlockSums(activationBlock));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add256(float sum, byte* block, byte* activationBlock) =>
        sum + Q8_0Kernels.Scale(ref block[Q3_KKernels.ScaleOffset]) * *(float*)activationBlock
            * Q3_KKernels.SuperBlock256(block, (sbyte*)activationBlock + Q8_KKernels.QuantsOffset, BlockSums(activationBlock));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> BlockSums(byte* activationBlock) => Vector256.Load((short*)(activationBlock + Q8_KKernels.BlockSumsOffset));
}
