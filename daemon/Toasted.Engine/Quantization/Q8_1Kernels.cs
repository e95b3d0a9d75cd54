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
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = Q8_0Kernels.QuantizeBlockScalar(source.Slice(b * BlockSize, BlockSize), block, block[QuantsOffset..]);
            int sum = 0;
            for (int j = 0; j < BlockSize; j++) sum += (sbyte)block[QuantsOffset + j];
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
            ref byte block = ref Unsafe.Add(ref y, b * BytesPerBlock);
            float d = Q8_0Kernels.QuantizeBlock(ref Unsafe.Add(ref x, b * BlockSize), ref block, ref Unsafe.Add(ref block, QuantsOffset));
            // |q| ≤ 127, so the 16-bit sum of 32 quants cannot overflow.
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref block, QuantsOffset).AsSByte());
            int sum = Vector256.Sum(low + high);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref block, SumOffset), Float16Bits.FromSingle(d * sum));
        }
    }
}
