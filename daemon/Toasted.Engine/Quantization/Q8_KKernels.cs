using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q8_K: the activation format of the K-quants; blocks of 256 elements, 292 bytes (ggml's block_q8_K).
/// <code>
/// offset 0   : f32 d            scale (may be negative, see below)
/// offset 4   : int8 qs[256]     element j = d * qs[j]
/// offset 260 : int16 bsums[16]  bsums[g] = sum of qs[16g .. 16g+15]
/// </code>
/// Quantization is ggml's quantize_row_q8_K_ref (the one x86 uses): max = the first element of largest
/// magnitude, iscale = -127/max, q = min(127, round-half-even(iscale * x)), d = 1/iscale. A block of zeros
/// gets d = 0. The quants therefore lie in [-127, 127], as the int8 dot primitives require.
/// </summary>
public static class Q8_KKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 292;
    internal const int QuantsOffset = 4;
    internal const int BlockSumsOffset = 260;
    private const int GroupSize = 16;

    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = RowChecks.BlockCount(source.Length, BlockSize);
        RowChecks.Bytes(destination, (long)blocks * BytesPerBlock, "destination");
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            float amax = 0, max = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float ax = MathF.Abs(x[j]);
                if (ax > amax) { amax = ax; max = x[j]; }
            }
            if (amax == 0)
            {
                block.Clear();
                continue;
            }
            float iscale = -127f / max;
            var sums = MemoryMarshal.Cast<byte, short>(block.Slice(BlockSumsOffset, 2 * GroupSize));
            for (int g = 0; g < BlockSize / GroupSize; g++)
            {
                int groupSum = 0;
                for (int j = g * GroupSize; j < (g + 1) * GroupSize; j++)
                {
                    int q = Math.Min(127, (int)MathF.Round(iscale * x[j], MidpointRounding.ToEven));
                    block[QuantsOffset + j] = (byte)(sbyte)q;
                    groupSum += q;
                }
                sums[g] = (short)groupSum;
            }
            BitConverter.TryWriteBytes(block, 1 / iscale);
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
            var maxAbs = Vector256<float>.Zero;
            for (nuint j = 0; j < BlockSize; j += 8)
                maxAbs = Vector256.Max(maxAbs, Vector256.Abs(Vector256.LoadUnsafe(ref x, xo + j)));
            float amax = Q8_0Kernels.HorizontalMax(maxAbs);
            if (amax == 0)
            {
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, yo), BytesPerBlock).Clear();
                continue;
            }
            // The sign of the scale follows the first element that reaches amax, as in ggml.
            nuint first = 0;
            while (first < BlockSize - 1 && MathF.Abs(Unsafe.Add(ref x, xo + first)) != amax) first++;
            float iscale = -127f / Unsafe.Add(ref x, xo + first);
            var scale = Vector256.Create(iscale);
            var ceiling = Vector256.Create(127);
            for (nuint g = 0; g < BlockSize / GroupSize; g++)
            {
                nuint e = xo + g * GroupSize;
                var q0 = Vector256.Min(ceiling, Q8_0Kernels.RoundToInt(Vector256.LoadUnsafe(ref x, e) * scale));
                var q1 = Vector256.Min(ceiling, Q8_0Kernels.RoundToInt(Vector256.LoadUnsafe(ref x, e + 8) * scale));
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, yo + BlockSumsOffset + 2 * g), (short)Vector256.Sum(q0 + q1));
                var shorts = Vector256.Narrow(q0, q1);
                Vector128.Narrow(shorts.GetLower(), shorts.GetUpper()).AsByte().StoreUnsafe(ref y, yo + QuantsOffset + g * GroupSize);
            }
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, yo), 1 / iscale);
        }
    }
}
