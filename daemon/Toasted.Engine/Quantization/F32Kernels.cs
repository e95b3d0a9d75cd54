using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// F32 rows: 4 bytes per element, little-endian IEEE single. Activations stay F32 (ggml's vec_dot_type).
/// The vector dot keeps several lane accumulators (like ggml's GGML_F32_VEC_FMA loop), so it differs from
/// the sequential scalar twin only by float rounding.
/// </summary>
public static class F32Kernels
{
    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        var source = MemoryMarshal.Cast<byte, float>(blocks);
        RowChecks.Floats(destination.Length, source.Length, "destination");
        for (int i = 0; i < source.Length; i++) destination[i] = source[i];
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        var source = MemoryMarshal.Cast<byte, float>(blocks);
        RowChecks.Floats(destination.Length, source.Length, "destination");
        source.CopyTo(destination);
    }

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        RowChecks.Bytes(weightRow, 4L * length, "weight row");
        RowChecks.Bytes(activationRow, 4L * length, "activation row");
        var w = MemoryMarshal.Cast<byte, float>(weightRow);
        var a = MemoryMarshal.Cast<byte, float>(activationRow);
        float sum = 0;
        for (int i = 0; i < length; i++) sum += w[i] * a[i];
        return sum;
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        RowChecks.Bytes(weightRow, 4L * length, "weight row");
        RowChecks.Bytes(activationRow, 4L * length, "activation row");
        ref float w = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(weightRow));
        ref float a = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(activationRow));
        return FloatDot.Dot(ref w, ref a, (nuint)length);
    }
}
