using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q8_0: blocks of 32 elements, 34 bytes (ggml's block_q8_0), used both for weights and for the
/// activations of Q8_0 and Q4_0 weights.
/// <code>
/// offset 0  : f16 d        scale
/// offset 2  : int8 qs[32]  element j = d * qs[j]
/// </code>
/// Quantization follows ggml-cpu's x86 quantize_row_q8_0: amax = max|x|, d = amax/127 stored as f16,
/// q = round-half-even(x * (127/amax)) with the unrounded scale. |q| never exceeds 127, which the int8
/// dot primitives rely on.
/// <para>
/// Dot semantics (vec_dot_q8_0_q8_0): per block an exact int sum of qs_w * qs_a, then, in block order,
/// <c>sum += (d_w * d_a) * isum</c>. Every vector path computes the same per-block ints and performs the
/// same float operations in the same order, so it is bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class Q8_0Kernels
{
    public const int BlockSize = 32;
    public const int BytesPerBlock = 34;
    private const int QuantsOffset = 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Scale(ref byte block) => Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(ref block));

    /// <summary>The exact sum of a block's 32 quants: kernels that multiply offset codes (Q4_0's nibble, Q8_0's
    /// stored q + 128) by the quants subtract offset · this sum once per block.</summary>
    internal static unsafe int QuantSum(byte* block)
    {
        int sum = 0;
        for (int j = 0; j < BlockSize; j++) sum += (sbyte)block[QuantsOffset + j];
        return sum;
    }

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * BytesPerBlock, "activation row");
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * BytesPerBlock, BytesPerBlock);
            int isum = 0;
            for (int j = 0; j < BlockSize; j++)
                isum += (sbyte)w[QuantsOffset + j] * (sbyte)a[QuantsOffset + j];
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * Float16Bits.ToSingle(BitConverter.ToUInt16(a)) * isum;
        }
        return sum;
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * BytesPerBlock, "activation row");
        ref byte w = ref MemoryMarshal.GetReference(weightRow);
        ref byte a = ref MemoryMarshal.GetReference(activationRow);
        float sum = 0;
        int b = 0;
        if (Int8MultiplyAdd.Is256Supported)
        {
            for (; b + 8 <= blocks; b += 8)
            {
                ref byte wg = ref Unsafe.Add(ref w, b * BytesPerBlock);
                ref byte ag = ref Unsafe.Add(ref a, b * BytesPerBlock);
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
                var scales = BlockGroupSums.HalfScales(ref wg, BytesPerBlock) * BlockGroupSums.HalfScales(ref ag, BytesPerBlock);
                sum = BlockGroupSums.AddInOrder(sum, scales * isums);
            }
        }
        if (Int8MultiplyAdd.Is256Supported)
        {
            for (; b < blocks; b++)
            {
                nuint o = (nuint)(b * BytesPerBlock);
                var wq = Vector256.LoadUnsafe(ref w, o + QuantsOffset).AsSByte();
                var aq = Vector256.LoadUnsafe(ref a, o + QuantsOffset).AsSByte();
                int isum = Vector256.Sum(Int8MultiplyAdd.Signed(Vector256<int>.Zero, wq, aq));
                sum += Scale(ref Unsafe.Add(ref w, o)) * Scale(ref Unsafe.Add(ref a, o)) * isum;
            }
        }
        if (Int8MultiplyAdd.Is128Supported)
        {
            for (; b < blocks; b++)
            {
                nuint o = (nuint)(b * BytesPerBlock);
                var lanes = Int8MultiplyAdd.Signed(Vector128<int>.Zero, Vector128.LoadUnsafe(ref w, o + QuantsOffset).AsSByte(), Vector128.LoadUnsafe(ref a, o + QuantsOffset).AsSByte());
                lanes = Int8MultiplyAdd.Signed(lanes, Vector128.LoadUnsafe(ref w, o + QuantsOffset + 16).AsSByte(), Vector128.LoadUnsafe(ref a, o + QuantsOffset + 16).AsSByte());
                sum += Scale(ref Unsafe.Add(ref w, o)) * Scale(ref Unsafe.Add(ref a, o)) * Vector128.Sum(lanes);
            }
        }
        for (; b < blocks; b++)
        {
            nuint o = (nuint)(b * BytesPerBlock);
            int isum = 0;
            for (nuint j = 0; j < BlockSize; j++)
                isum += (sbyte)Unsafe.Add(ref w, o + QuantsOffset + j) * (sbyte)Unsafe.Add(ref a, o + QuantsOffset + j);
            sum += Scale(ref Unsafe.Add(ref w, o)) * Scale(ref Unsafe.Add(ref a, o)) * isum;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockLanes(ref byte w, ref byte a, int block)
    {
        nuint o = (nuint)(block * BytesPerBlock) + QuantsOffset;
        return Int8MultiplyAdd.Signed(Vector256<int>.Zero, Vector256.LoadUnsafe(ref w, o).AsSByte(), Vector256.LoadUnsafe(ref a, o).AsSByte());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> First, Vector256<int> Second) PairLanes(ref byte w, ref byte a, int block)
    {
        nuint o = (nuint)(block * BytesPerBlock) + QuantsOffset;
        var wq = VectorHalves.Join(Vector256.LoadUnsafe(ref w, o), Vector256.LoadUnsafe(ref w, o + BytesPerBlock)).AsSByte();
        var aq = VectorHalves.Join(Vector256.LoadUnsafe(ref a, o), Vector256.LoadUnsafe(ref a, o + BytesPerBlock)).AsSByte();
        var lanes = Int8MultiplyAdd.Signed(Vector512<int>.Zero, wq, aq);
        return (lanes.GetLower(), lanes.GetUpper());
    }

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            for (int j = 0; j < BlockSize; j++)
                destination[b * BlockSize + j] = (sbyte)block[QuantsOffset + j] * d;
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            Int8Expansion.Scale(MemoryMarshal.Cast<byte, sbyte>(block.Slice(QuantsOffset, BlockSize)), d, 0f, destination.Slice(b * BlockSize, BlockSize));
        }
    }

    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = RowChecks.BlockCount(source.Length, BlockSize);
        RowChecks.Bytes(destination, (long)blocks * BytesPerBlock, "destination");
        for (int b = 0; b < blocks; b++)
        {
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            QuantizeBlockScalar(source.Slice(b * BlockSize, BlockSize), block, block[QuantsOffset..]);
        }
    }

    /// <summary>
    /// One block: f16 d to <paramref name="scale"/>, the 32 quants to <paramref name="quants"/>. Returns the
    /// unrounded d, from which Q8_1 derives its sum field.
    /// </summary>
    internal static float QuantizeBlockScalar(ReadOnlySpan<float> x, Span<byte> scale, Span<byte> quants)
    {
        float amax = 0;
        for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
        float d = amax / 127f;
        float inverse = amax != 0 ? 127f / amax : 0f;
        BitConverter.TryWriteBytes(scale, Float16Bits.FromSingle(d));
        for (int j = 0; j < BlockSize; j++)
            quants[j] = (byte)(sbyte)MathF.Round(x[j] * inverse, MidpointRounding.ToEven);
        return d;
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
            QuantizeBlock(ref Unsafe.Add(ref x, b * BlockSize), ref block, ref Unsafe.Add(ref block, QuantsOffset));
        }
    }

    /// <summary>The vector twin of <see cref="QuantizeBlockScalar"/>; needs <see cref="Vector256"/> acceleration.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float QuantizeBlock(ref float x, ref byte scale, ref byte quants)
    {
        var v0 = Vector256.LoadUnsafe(ref x);
        var v1 = Vector256.LoadUnsafe(ref x, 8);
        var v2 = Vector256.LoadUnsafe(ref x, 16);
        var v3 = Vector256.LoadUnsafe(ref x, 24);
        var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        float amax = HorizontalMax(max);
        float d = amax / 127f;
        var inverse = Vector256.Create(amax != 0 ? 127f / amax : 0f);
        Unsafe.WriteUnaligned(ref scale, Float16Bits.FromSingle(d));
        var q01 = Vector256.Narrow(RoundToInt(v0 * inverse), RoundToInt(v1 * inverse));
        var q23 = Vector256.Narrow(RoundToInt(v2 * inverse), RoundToInt(v3 * inverse));
        // Narrow keeps lane order: 16 shorts from (v0, v1), then from (v2, v3).
        Vector256.Narrow(q01, q23).AsByte().StoreUnsafe(ref quants);
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> RoundToInt(Vector256<float> value) => Vector256.ConvertToInt32(Vector256.Round(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float HorizontalMax(Vector256<float> value)
    {
        var m = Vector128.Max(value.GetLower(), value.GetUpper());
        return MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3]));
    }
}
