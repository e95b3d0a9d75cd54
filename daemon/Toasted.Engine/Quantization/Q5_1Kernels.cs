using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q5_1: blocks of 32 elements, 24 bytes (ggml's block_q5_1); activations are Q8_1.
/// <code>
/// offset 0 : f16 d        scale
/// offset 2 : f16 m        offset (the block minimum)
/// offset 4 : u32 qh       bit j = fifth bit of element j (little-endian)
/// offset 8 : u8 qs[16]    element j      = d * ((qs[j] &amp; 0xF) | bit j  &lt;&lt; 4) + m
///                         element j + 16 = d * ((qs[j] >> 4)  | bit j+16 &lt;&lt; 4) + m
/// </code>
/// Dot: Σ_blocks (d_w·d_a)·Σ q·q8 + m_w·s_a, see <see cref="Block32Kernels{TCodes}"/>.
/// </summary>
public readonly struct Q5_1Kernels : IBlock32Codes
{
    public const int BlockSize = 32;
    public const int BytesPerBlock = 24;
    private const int HighBitsOffset = 4;
    private const int QuantsOffset = 8;
    private const sbyte Bias = 0;

    static int IBlock32Codes.WeightBlockBytes => BytesPerBlock;
    static bool IBlock32Codes.HasMin => true;

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) =>
        Block32Kernels<Q5_1Kernels>.DotScalar(weightRow, activationRow, length);

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) =>
        Block32Kernels<Q5_1Kernels>.Dot(weightRow, activationRow, length);

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) =>
        Block32Kernels<Q5_1Kernels>.DequantizeScalar(blocks, destination);

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) =>
        Block32Kernels<Q5_1Kernels>.Dequantize(blocks, destination);

    /// <summary>Four rows per pass sharing the activation loads; each row's result equals its <see cref="DotScalar"/>.</summary>
    public static void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination) =>
        Block32RowsKernels<Q5_1Kernels>.DotRows(weightRows, rowCount, activationRow, length, destination);

    /// <summary>The twin of <see cref="DotRows"/>: <see cref="DotScalar"/> row by row.</summary>
    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination) =>
        ScalarRows.DotRows(weightRows, rowCount, activationRow, length, destination);

    private static readonly RowByRowDots ScalarRows = new(DotScalar, BlockSize, BytesPerBlock);

    static void IBlock32Codes.DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes) =>
        FiveBitCodes.DecodeScalar(block[HighBitsOffset..], block[QuantsOffset..], Bias, codes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int IBlock32Codes.Code(ref byte block, int element) =>
        FiveBitCodes.Of(ref Unsafe.Add(ref block, HighBitsOffset), ref Unsafe.Add(ref block, QuantsOffset), Bias, element);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> IBlock32Codes.Codes256(ref byte block) =>
        FiveBitCodes.Codes256(ref Unsafe.Add(ref block, HighBitsOffset), ref Unsafe.Add(ref block, QuantsOffset), Bias);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector128<sbyte> Low, Vector128<sbyte> High) IBlock32Codes.Codes128(ref byte block) =>
        FiveBitCodes.Codes128(ref Unsafe.Add(ref block, HighBitsOffset), ref Unsafe.Add(ref block, QuantsOffset), Bias);
}
