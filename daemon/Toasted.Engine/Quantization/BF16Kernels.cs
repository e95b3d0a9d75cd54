namespace Toasted.Engine.Quantization;

/// <summary>
/// BF16 rows: 2 bytes per element, the upper 16 bits of an IEEE single, little-endian; activations are rounded to BF16 (nearest even) first, and products accumulate in F32 as ggml_vec_dot_bf16 does without AVX512-BF16.
/// The kernels are <see cref="SixteenBitFloatKernels{TFormat}"/>'s.
/// </summary>
public static class BF16Kernels
{
    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) => SixteenBitFloatKernels<BFloat16Bits>.DequantizeScalar(blocks, destination);
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) => SixteenBitFloatKernels<BFloat16Bits>.Dequantize(blocks, destination);
    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => SixteenBitFloatKernels<BFloat16Bits>.DotScalar(weightRow, activationRow, length);
    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => SixteenBitFloatKernels<BFloat16Bits>.Dot(weightRow, activationRow, length);
    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination) => SixteenBitFloatKernels<BFloat16Bits>.QuantizeScalar(source, destination);
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination) => SixteenBitFloatKernels<BFloat16Bits>.Quantize(source, destination);
}
