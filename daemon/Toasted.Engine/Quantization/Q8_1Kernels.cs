using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q8_1: the activation format of Q4_1 and Q5_1 weights; blocks of 32 elements, 36 bytes (ggml's block_q8_1).
/// <code>
/// offset 0 : f16 d         scale
/// offset 2 : f16 s         d · Σ qs, the block's sum, so that a weight offset m contributes m · s
/// offset 4 : int8 qs[32]   element j = d * qs[j]
/// </code>
/// Quantization follows ggml-cpu's x86 quantize_row_q8_1: the quants and d exactly as Q8_0 (amax/127 stored
/// as f16, q = round-half-even(x · 127/amax) with the unrounded inverse), and s = f16(d · Σq) with the
/// unrounded float d times the exact int sum. |q| never exceeds 127, as the int8 dot primitives require.
/// </summary>
public static class Q8_1Kernels
{
    public const int BlockSize = 32;
    public const int BytesPerBlock = 36;
    internal const int SumOffset = 2;
    internal const int QuantsOffset = 4;

    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = RowChecks.BlockCount(source.Length, BlockSize);
        RowChecks.Bytes(destination, (long)blocks * BytesPerBlock, "destination");
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float d = amax / 127f;
            float inverse = amax != 0 ? 127f / amax : 0f;
            int sum = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                int q = (int)MathF.Round(x[j] * inverse, MidpointRounding.ToEven);
                block[QuantsOffset + j] = (byte)(sbyte)q;
                sum += q;
            }
            BitConverter.TryWriteBytes(block, Float16Bits.FromSingle(d));
            BitConverter.TryWriteBytes(block[SumOffset..], Float16Bits.FromSingle(d * sum));
        }
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = RowChecks.BlockCount(source.Length, BlockSize);
        RowChecks.Bytes(destination, (long)blocks * BytesPerBlock, "destination");
        if (!Vector256.IsHardwareAccelerated)
        {
            QuantizeScalar(source, destination);
            return;
        }
        ref float x = ref MemoryMarshal.GetReference(source);
        ref byte y = ref MemoryMarshal.GetReference(destination);
        for (int b = 0; b < blocks; b++)
        {
            nuint xo = (nuint)(b * BlockSize), yo = (nuint)(b * BytesPerBlock);
            var v0 = Vector256.LoadUnsafe(ref x, xo);
            var v1 = Vector256.LoadUnsafe(ref x, xo + 8);
            var v2 = Vector256.LoadUnsafe(ref x, xo + 16);
            var v3 = Vector256.LoadUnsafe(ref x, xo + 24);
            var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
            float amax = Q8_0Kernels.HorizontalMax(max);
            float d = amax / 127f;
            var inverse = Vector256.Create(amax != 0 ? 127f / amax : 0f);
            var i0 = Q8_0Kernels.RoundToInt(v0 * inverse);
            var i1 = Q8_0Kernels.RoundToInt(v1 * inverse);
            var i2 = Q8_0Kernels.RoundToInt(v2 * inverse);
            var i3 = Q8_0Kernels.RoundToInt(v3 * inverse);
            int sum = Vector256.Sum((i0 + i1) + (i2 + i3));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, yo), Float16Bits.FromSingle(d));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, yo + SumOffset), Float16Bits.FromSingle(d * sum));
            // Narrow keeps lane order: 16 shorts from (i0, i1), then from (i2, i3).
            Vector256.Narrow(Vector256.Narrow(i0, i1), Vector256.Narrow(i2, i3)).AsByte().StoreUnsafe(ref y, yo + QuantsOffset);
        }
    }
}
