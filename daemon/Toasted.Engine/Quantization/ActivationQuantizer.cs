using System.Runtime.InteropServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Converts a float activation row to a weight type's <see cref="QuantTraits.ActivationType"/> before the
/// dot products, as llama.cpp does once per row of src1 (F32 is a copy; F16 and BF16 round to nearest even;
/// Q8_0, Q8_1 and Q8_K quantize per block).
/// </summary>
public static class ActivationQuantizer
{
    public static int RowBytes(GgmlType activationType, int n) => activationType switch
    {
        GgmlType.F32 => 4 * n,
        GgmlType.F16 or GgmlType.BF16 => 2 * n,
        GgmlType.Q8_0 => RowChecks.BlockCount(n, Q8_0Kernels.BlockSize) * Q8_0Kernels.BytesPerBlock,
        GgmlType.Q8_K => RowChecks.BlockCount(n, Q8_KKernels.BlockSize) * Q8_KKernels.BytesPerBlock,
        GgmlType.Q8_1 => RowChecks.BlockCount(n, Q8_1Kernels.BlockSize) * Q8_1Kernels.BytesPerBlock,
        _ => throw Unsupported(activationType),
    };

    public static void Quantize(GgmlType activationType, ReadOnlySpan<float> x, Span<byte> destination)
    {
        switch (activationType)
        {
            case GgmlType.F32: CopyFloats(x, destination); break;
            case GgmlType.F16: F16Kernels.Quantize(x, destination); break;
            case GgmlType.BF16: BF16Kernels.Quantize(x, destination); break;
            case GgmlType.Q8_0: Q8_0Kernels.Quantize(x, destination); break;
            case GgmlType.Q8_K: Q8_KKernels.Quantize(x, destination); break;
            case GgmlType.Q8_1: Q8_1Kernels.Quantize(x, destination); break;
            default: throw Unsupported(activationType);
        }
    }

    public static void QuantizeScalar(GgmlType activationType, ReadOnlySpan<float> x, Span<byte> destination)
    {
        switch (activationType)
        {
            case GgmlType.F32: CopyFloats(x, destination); break;
            case GgmlType.F16: F16Kernels.QuantizeScalar(x, destination); break;
            case GgmlType.BF16: BF16Kernels.QuantizeScalar(x, destination); break;
            case GgmlType.Q8_0: Q8_0Kernels.QuantizeScalar(x, destination); break;
            case GgmlType.Q8_K: Q8_KKernels.QuantizeScalar(x, destination); break;
            case GgmlType.Q8_1: Q8_1Kernels.QuantizeScalar(x, destination); break;
            default: throw Unsupported(activationType);
        }
    }

    private static void CopyFloats(ReadOnlySpan<float> x, Span<byte> destination)
    {
        RowChecks.Bytes(destination, 4L * x.Length, "destination");
        MemoryMarshal.AsBytes(x).CopyTo(destination);
    }

    private static NotSupportedException Unsupported(GgmlType type) =>
        new($"{type} is not an activation type (expected F32, F16, BF16, Q8_0, Q8_1 or Q8_K)");
}
