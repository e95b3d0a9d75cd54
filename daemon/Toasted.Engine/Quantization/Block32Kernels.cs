using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Dot and dequantize loops of the 32-element formats described by <see cref="IBlock32Codes"/>.
/// <para>
/// Dot semantics (ggml's vec_dot_q4_1_q8_1, vec_dot_q5_0_q8_0, vec_dot_q5_1_q8_1, vec_dot_iq4_nl_q8_0): per
/// block an exact int sum of code · q8, then, in block order, <c>sum += (d_w · d_a) · isum</c> and, for the
/// types with an offset, <c>sum += m_w · s_a</c> (s_a is the activation block's stored f16 d·Σq, as ggml
/// uses it). Every vector path computes the same ints and does the same float steps in the same order, so
/// it is bit-exact with <see cref="DotScalar"/>.
/// </para>
/// <para>
/// Paths, widest first: two blocks per 512-bit step (AVX-512BW), one block per 256-bit step (AVX2, with
/// AVX-VNNI when present), two halves per 128-bit step (SSSE3 on x86, the portable form elsewhere, e.g.
/// ARM64), scalar. Codes lie in [-127, 113] and activation quants in [-127, 127], so the int8 primitives
/// are exact.
/// </para>
/// </summary>
internal static class Block32Kernels<TCodes> where TCodes : struct, IBlock32Codes
{
    public const int BlockSize = 32;
    private const int Q8_0QuantsOffset = 2;
    internal const int MinOffset = 2;

    internal static int ActivationBlockBytes => TCodes.HasMin ? Q8_1Kernels.BytesPerBlock : Q8_0Kernels.BytesPerBlock;
    internal static nuint ActivationQuantsOffset => (nuint)(TCodes.HasMin ? Q8_1Kernels.QuantsOffset : Q8_0QuantsOffset);

    private static int Check(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * TCodes.WeightBlockBytes, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        return blocks;
    }

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = Check(weightRow, activationRow, length);
        int weightBytes = TCodes.WeightBlockBytes, activationBytes = ActivationBlockBytes, quants = (int)ActivationQuantsOffset;
        Span<sbyte> codes = stackalloc sbyte[BlockSize];
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * weightBytes, weightBytes);
            var a = activationRow.Slice(b * activationBytes, activationBytes);
            TCodes.DecodeScalar(w, codes);
            int isum = 0;
            for (int j = 0; j < BlockSize; j++) isum += codes[j] * (sbyte)a[quants + j];
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * Float16Bits.ToSingle(BitConverter.ToUInt16(a)) * isum;
            if (TCodes.HasMin)
                sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w[MinOffset..])) * Float16Bits.ToSingle(BitConverter.ToUInt16(a[Q8_1Kernels.SumOffset..]));
        }
        return sum;
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = Check(weightRow, activationRow, length);
        ref byte w = ref MemoryMarshal.GetReference(weightRow);
        ref byte a = ref MemoryMarshal.GetReference(activationRow);
        int weightBytes = TCodes.WeightBlockBytes, activationBytes = ActivationBlockBytes;
        nuint quants = ActivationQuantsOffset;
        float sum = 0;
        int b = 0;
        if (Int8MultiplyAdd.Is512Supported)
        {
            // Two blocks per step; each block's lanes fill one 256-bit half and are summed on their own.
            for (; b + 2 <= blocks; b += 2)
            {
                ref byte w0 = ref Unsafe.Add(ref w, b * weightBytes);
                ref byte a0 = ref Unsafe.Add(ref a, b * activationBytes);
                ref byte w1 = ref Unsafe.Add(ref w0, weightBytes);
                ref byte a1 = ref Unsafe.Add(ref a0, activationBytes);
                var codes = VectorHalves.Join(TCodes.Codes256(ref w0), TCodes.Codes256(ref w1));
                var aq = VectorHalves.Join(Vector256.LoadUnsafe(ref a0, quants), Vector256.LoadUnsafe(ref a1, quants)).AsSByte();
                var lanes = Int8MultiplyAdd.Signed(Vector512<int>.Zero, codes, aq);
                sum = AddBlock(sum, ref w0, ref a0, Vector256.Sum(lanes.GetLower()));
                sum = AddBlock(sum, ref w1, ref a1, Vector256.Sum(lanes.GetUpper()));
            }
        }
        if (Int8MultiplyAdd.Is256Supported)
        {
            for (; b < blocks; b++)
            {
                ref byte wb = ref Unsafe.Add(ref w, b * weightBytes);
                ref byte ab = ref Unsafe.Add(ref a, b * activationBytes);
                var lanes = Int8MultiplyAdd.Signed(Vector256<int>.Zero, TCodes.Codes256(ref wb), Vector256.LoadUnsafe(ref ab, quants).AsSByte());
                sum = AddBlock(sum, ref wb, ref ab, Vector256.Sum(lanes));
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; b < blocks; b++)
            {
                ref byte wb = ref Unsafe.Add(ref w, b * weightBytes);
                ref byte ab = ref Unsafe.Add(ref a, b * activationBytes);
                var (low, high) = TCodes.Codes128(ref wb);
                int isum = Int8Dot128.Sum(low, Vector128.LoadUnsafe(ref ab, quants).AsSByte())
                    + Int8Dot128.Sum(high, Vector128.LoadUnsafe(ref ab, quants + 16).AsSByte());
                sum = AddBlock(sum, ref wb, ref ab, isum);
            }
        }
        for (; b < blocks; b++)
        {
            ref byte wb = ref Unsafe.Add(ref w, b * weightBytes);
            ref byte aq = ref Unsafe.Add(ref a, (nuint)(b * activationBytes) + quants);
            int isum = 0;
            for (int j = 0; j < BlockSize; j++) isum += TCodes.Code(ref wb, j) * (sbyte)Unsafe.Add(ref aq, j);
            sum = AddBlock(sum, ref wb, ref Unsafe.Add(ref a, b * activationBytes), isum);
        }
        return sum;
    }

    /// <summary>The float steps of one block, exactly as <see cref="DotScalar"/> does them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float AddBlock(float sum, ref byte weightBlock, ref byte activationBlock, int isum)
    {
        sum += Q8_0Kernels.Scale(ref weightBlock) * Q8_0Kernels.Scale(ref activationBlock) * isum;
        if (TCodes.HasMin)
            sum += Q8_0Kernels.Scale(ref Unsafe.Add(ref weightBlock, MinOffset)) * Q8_0Kernels.Scale(ref Unsafe.Add(ref activationBlock, Q8_1Kernels.SumOffset));
        return sum;
    }

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        int weightBytes = TCodes.WeightBlockBytes;
        int count = blocks.Length / weightBytes;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<sbyte> codes = stackalloc sbyte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * weightBytes, weightBytes);
            TCodes.DecodeScalar(block, codes);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            var y = destination.Slice(b * BlockSize, BlockSize);
            if (TCodes.HasMin)
            {
                float m = Float16Bits.ToSingle(BitConverter.ToUInt16(block[MinOffset..]));
                for (int j = 0; j < BlockSize; j++) y[j] = codes[j] * d + m;
            }
            else
            {
                for (int j = 0; j < BlockSize; j++) y[j] = codes[j] * d;
            }
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        int weightBytes = TCodes.WeightBlockBytes;
        int count = blocks.Length / weightBytes;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<sbyte> codes = stackalloc sbyte[BlockSize];
        ref sbyte c = ref MemoryMarshal.GetReference(codes);
        ref byte start = ref MemoryMarshal.GetReference(blocks);
        for (int b = 0; b < count; b++)
        {
            ref byte block = ref Unsafe.Add(ref start, b * weightBytes);
            if (Int8MultiplyAdd.Is256Supported)
            {
                TCodes.Codes256(ref block).StoreUnsafe(ref c);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                var (low, high) = TCodes.Codes128(ref block);
                low.StoreUnsafe(ref c);
                high.StoreUnsafe(ref c, 16);
            }
            else
            {
                for (int j = 0; j < BlockSize; j++) Unsafe.Add(ref c, j) = (sbyte)TCodes.Code(ref block, j);
            }
            // d·q − (−m) rounds exactly as d·q + m; the types without an offset subtract +0, which keeps a −0 product.
            float offset = TCodes.HasMin ? -Q8_0Kernels.Scale(ref Unsafe.Add(ref block, MinOffset)) : 0f;
            Int8Expansion.Scale(codes, Q8_0Kernels.Scale(ref block), offset, destination.Slice(b * BlockSize, BlockSize));
        }
    }
}
