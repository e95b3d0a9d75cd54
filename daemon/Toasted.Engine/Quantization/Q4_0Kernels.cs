using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_0: blocks of 32 elements, 18 bytes (ggml's block_q4_0); activations are Q8_0.
/// <code>
/// offset 0 : f16 d        scale
/// offset 2 : u8 qs[16]    element j      = d * ((qs[j] &amp; 0xF) - 8)
///                         element j + 16 = d * ((qs[j] >> 4)  - 8)
/// </code>
/// Dot semantics (vec_dot_q4_0_q8_0): per block an exact int sum of (nibble - 8) * q8, then, in block
/// order, <c>sum += (d_w * d_a) * isum</c>. The vector paths compute the same ints and do the same float
/// operations in the same order, so they are bit-exact with the scalar twin.
/// </summary>
public static class Q4_0Kernels
{
    public const int BlockSize = 32;
    public const int BytesPerBlock = 18;
    private const int QuantsOffset = 2;
    private const int ActivationQuantsOffset = 2;

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_0Kernels.BytesPerBlock, "activation row");
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * Q8_0Kernels.BytesPerBlock, Q8_0Kernels.BytesPerBlock);
            int isum = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int packed = w[QuantsOffset + j];
                isum += ((packed & 0xF) - 8) * (sbyte)a[ActivationQuantsOffset + j];
                isum += ((packed >> 4) - 8) * (sbyte)a[ActivationQuantsOffset + j + 16];
            }
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * Float16Bits.ToSingle(BitConverter.ToUInt16(a)) * isum;
        }
        return sum;
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_0Kernels.BytesPerBlock, "activation row");
        ref byte w = ref MemoryMarshal.GetReference(weightRow);
        ref byte a = ref MemoryMarshal.GetReference(activationRow);
        float sum = 0;
        int b = 0;
        if (Int8MultiplyAdd.Is256Supported)
        {
            const nuint ActivationStride = Q8_0Kernels.BytesPerBlock;
            for (; b + 8 <= blocks; b += 8)
            {
                ref byte wg = ref Unsafe.Add(ref w, b * BytesPerBlock);
                ref byte ag = ref Unsafe.Add(ref a, b * Q8_0Kernels.BytesPerBlock);
                Vector256<int> s0, s1, s2, s3, s4, s5, s6, s7;
                if (Int8MultiplyAdd.Is512Supported)
                {
                    // Two blocks per 512-bit step; each block's lanes fill one 256-bit half.
                    (s0, s1) = PairLanes(ref wg, ref ag, 0);
                    (s2, s3) = PairLanes(ref wg, ref ag, 2);
                    (s4, s5) = PairLanes(ref wg, ref ag, 4);
                    (s6, s7) = PairLanes(ref wg, ref ag, 6);
                }
                else
                {
                    s0 = BlockLanes(ref wg, ref ag, 0); s1 = BlockLanes(ref wg, ref ag, 1);
                    s2 = BlockLanes(ref wg, ref ag, 2); s3 = BlockLanes(ref wg, ref ag, 3);
                    s4 = BlockLanes(ref wg, ref ag, 4); s5 = BlockLanes(ref wg, ref ag, 5);
                    s6 = BlockLanes(ref wg, ref ag, 6); s7 = BlockLanes(ref wg, ref ag, 7);
                }
                var isums = Vector256.ConvertToSingle(BlockGroupSums.SumEach(s0, s1, s2, s3, s4, s5, s6, s7));
                var scales = BlockGroupSums.HalfScales(ref wg, BytesPerBlock) * BlockGroupSums.HalfScales(ref ag, ActivationStride);
                sum = BlockGroupSums.AddInOrder(sum, scales * isums);
            }
        }
        if (Int8MultiplyAdd.Is256Supported)
        {
            for (; b < blocks; b++)
            {
                nuint wo = (nuint)(b * BytesPerBlock), ao = (nuint)(b * Q8_0Kernels.BytesPerBlock);
                var nibbles = Nibbles(Vector128.LoadUnsafe(ref w, wo + QuantsOffset));
                var aq = Vector256.LoadUnsafe(ref a, ao + ActivationQuantsOffset).AsSByte();
                int isum = Vector256.Sum(Int8MultiplyAdd.Biased(nibbles, Vector256.Create((byte)8), aq));
                sum += Q8_0Kernels.Scale(ref Unsafe.Add(ref w, wo)) * Q8_0Kernels.Scale(ref Unsafe.Add(ref a, ao)) * isum;
            }
        }
        if (Int8MultiplyAdd.Is128Supported)
        {
            var eight = Vector128.Create((sbyte)8);
            var lowMask = Vector128.Create((byte)0xF);
            for (; b < blocks; b++)
            {
                nuint wo = (nuint)(b * BytesPerBlock), ao = (nuint)(b * Q8_0Kernels.BytesPerBlock);
                var packed = Vector128.LoadUnsafe(ref w, wo + QuantsOffset);
                var low = (packed & lowMask).AsSByte() - eight;
                var high = PackedNibbles.High128(packed).AsSByte() - eight;
                var lanes = Int8MultiplyAdd.Signed(Vector128<int>.Zero, low, Vector128.LoadUnsafe(ref a, ao + ActivationQuantsOffset).AsSByte());
                lanes = Int8MultiplyAdd.Signed(lanes, high, Vector128.LoadUnsafe(ref a, ao + ActivationQuantsOffset + 16).AsSByte());
                sum += Q8_0Kernels.Scale(ref Unsafe.Add(ref w, wo)) * Q8_0Kernels.Scale(ref Unsafe.Add(ref a, ao)) * Vector128.Sum(lanes);
            }
        }
        for (; b < blocks; b++)
        {
            nuint wo = (nuint)(b * BytesPerBlock), ao = (nuint)(b * Q8_0Kernels.BytesPerBlock);
            int isum = 0;
            for (nuint j = 0; j < BlockSize / 2; j++)
            {
                int packed = Unsafe.Add(ref w, wo + QuantsOffset + j);
                isum += ((packed & 0xF) - 8) * (sbyte)Unsafe.Add(ref a, ao + ActivationQuantsOffset + j);
                isum += ((packed >> 4) - 8) * (sbyte)Unsafe.Add(ref a, ao + ActivationQuantsOffset + j + 16);
            }
            sum += Q8_0Kernels.Scale(ref Unsafe.Add(ref w, wo)) * Q8_0Kernels.Scale(ref Unsafe.Add(ref a, ao)) * isum;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockLanes(ref byte w, ref byte a, int block)
    {
        var nibbles = Nibbles(Vector128.LoadUnsafe(ref w, (nuint)(block * BytesPerBlock + QuantsOffset)));
        var aq = Vector256.LoadUnsafe(ref a, (nuint)(block * Q8_0Kernels.BytesPerBlock + ActivationQuantsOffset)).AsSByte();
        return Int8MultiplyAdd.Biased(nibbles, Vector256.Create((byte)8), aq);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> First, Vector256<int> Second) PairLanes(ref byte w, ref byte a, int block)
    {
        nuint w0 = (nuint)(block * BytesPerBlock), a0 = (nuint)(block * Q8_0Kernels.BytesPerBlock);
        var nibbles = VectorHalves.Join(
            Nibbles(Vector128.LoadUnsafe(ref w, w0 + QuantsOffset)),
            Nibbles(Vector128.LoadUnsafe(ref w, w0 + BytesPerBlock + QuantsOffset)));
        var aq = VectorHalves.Join(
            Vector256.LoadUnsafe(ref a, a0 + ActivationQuantsOffset),
            Vector256.LoadUnsafe(ref a, a0 + Q8_0Kernels.BytesPerBlock + ActivationQuantsOffset)).AsSByte();
        var lanes = Int8MultiplyAdd.Biased(nibbles, Vector512.Create((byte)8), aq);
        return (lanes.GetLower(), lanes.GetUpper());
    }

    /// <summary>The 32 stored codes (0..15) of a block in element order: low nibbles, then high nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles(Vector128<byte> packed) =>
        Vector256.Create(packed & Vector128.Create((byte)0xF), PackedNibbles.High128(packed));

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            for (int j = 0; j < BlockSize / 2; j++)
            {
                destination[b * BlockSize + j] = ((block[QuantsOffset + j] & 0xF) - 8) * d;
                destination[b * BlockSize + j + 16] = ((block[QuantsOffset + j] >> 4) - 8) * d;
            }
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            if (Vector128.IsHardwareAccelerated)
            {
                var packed = Vector128.Create(block.Slice(QuantsOffset, 16));
                ((packed & Vector128.Create((byte)0xF)).AsSByte() - Vector128.Create((sbyte)8)).CopyTo(quants);
                (PackedNibbles.High128(packed).AsSByte() - Vector128.Create((sbyte)8)).CopyTo(quants[16..]);
            }
            else
            {
                for (int j = 0; j < BlockSize / 2; j++)
                {
                    quants[j] = (sbyte)((block[QuantsOffset + j] & 0xF) - 8);
                    quants[j + 16] = (sbyte)((block[QuantsOffset + j] >> 4) - 8);
                }
            }
            Int8Expansion.Scale(quants, Float16Bits.ToSingle(BitConverter.ToUInt16(block)), 0f, destination.Slice(b * BlockSize, BlockSize));
        }
    }
}
