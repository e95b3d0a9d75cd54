using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>A Q2_K super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += dall · isum − dmin · summs</c>, the ints built in registers.</summary>
internal readonly unsafe struct Q2_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q2_KKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q2_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q2_KKernels.DotScalar(weightRow, activationRow, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add512(float sum, byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3) =>
        sum + Q2_KKernels.SuperBlock512(block, *(float*)activationBlock, c0, c1, c2, c3, BlockSums(activationBlock));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add256(float sum, byte* block, byte* activationBlock) =>
        sum + Q2_KKernels.SuperBlock256(block, *(float*)activationBlock, (sbyte*)activationBlock + Q8_KKernels.QuantsOffset, BlockSums(activationBlock));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> BlockSums(byte* activationBlock) => Vector256.Load((short*)(activationBlock + Q8_KKernels.BlockSumsOffset));
}
