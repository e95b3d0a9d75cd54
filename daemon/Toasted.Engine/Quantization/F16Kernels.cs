namespace Toasted.Engine.Quantization;

/// <summary>
/// F16 rows: 2 bytes per element, IEEE half, little-endian; activations are rounded to F16 first.
/// The kernels are <see cref="SixteenBitFloatKernels{TFormat}"/>'s.
/// </summary>
public static class F16Kernels
{
    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) => SixteenBitFloatKernels<Float16Bits>.DequantizeScalar(blocks, destination);
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) => SixteenBitFloatKernels<Float16Bits>.Dequantize(blocks, destination);
    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => SixteenBitFloatKernels<Float16Bits>.DotScalar(weightRow, activationRow, length);
    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length) => SixteenBitFloatKernels<Float16Bits>.Dot(weightRow, activationRow, length);
    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination) => SixteenBitFloatKernels<Float16Bits>.QuantizeScalar(source, destination);
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination) => SixteenBitFloatKernels<Float16Bits>.Quantize(source, destination);
}
