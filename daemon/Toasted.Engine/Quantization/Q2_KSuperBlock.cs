using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>A Q2_K super-block for the four-row kernel (<see cref="IRowSuperBlock"/>): <c>sum += dall · isum − dmin · summs</c>, the ints built in registers (<see cref="Q2_KKernels.Lanes512"/>).</summary>
internal readonly unsafe struct Q2_KSuperBlock : IRowSuperBlock
{
    public static int BytesPerBlock => Q2_KKernels.BytesPerBlock;

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q2_KKernels.Dot(weightRow, activationRow, length);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => Q2_KKernels.DotScalar(weightRow, activationRow, length);

    public static bool HasMinTerm => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes) =>
        Q2_KKernels.Lanes512(block, c0, c1, c2, c3, BlockSums(activationBlock), out minLanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes) =>
        Q2_KKernels.Lanes256(block, (sbyte*)activationBlock + Q8_KKernels.QuantsOffset, BlockSums(activationBlock), out minLanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float sum, int isum, int minTerm, byte* block, float d8) => Q2_KKernels.AddBlock(sum, isum, minTerm, block, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8) =>
        Q2_KKernels.AddBlocks(sums, isums, minTerms, b0, b1, b2, b3, d8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> BlockSums(byte* activationBlock) => Vector256.Load((short*)(activationBlock + Q8_KKernels.BlockSumsOffset));
}
