using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q2_K: super-blocks of 256 elements, 84 bytes (ggml's block_q2_K); activations are Q8_K.
/// <code>
/// offset 0   : u8 scales[16]   per 16 elements: low nibble = scale, high nibble = min
/// offset 16  : u8 qs[64]       2-bit quants; for half h in 0..1 and shift j in 0..3, element
///                              128h + 32j + l (l in 0..31) is (qs[32h + l] >> 2j) &amp; 3
/// offset 80  : f16 d           super-block scale of the scales
/// offset 82  : f16 dmin        super-block scale of the mins
/// </code>
/// Element e of group g = e / 16 is <c>(d * (scales[g] &amp; 0xF)) * q - dmin * (scales[g] >> 4)</c>.
/// <para>
/// Dot semantics (vec_dot_q2_K_q8_K): per super-block the exact ints isum = Σ_g (scales[g] &amp; 0xF) · Σ q·q8
/// and summs = Σ_g (scales[g] >> 4) · bsums[g], then in block order
/// <c>sum += (d8 · d) · isum - (d8 · dmin) · summs</c>. With 256-bit vectors the super-block is built in registers
/// (<see cref="Lanes512"/>, <see cref="Lanes256"/>, through <see cref="Q2_KSuperBlock"/>); the 128-bit path
/// decodes the quants to bytes and shares <see cref="ScaledGroupDot"/>. The ints are the same, so every path is
/// bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class Q2_KKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 84;
    internal const int QuantsOffset = 16;
    internal const int ScaleOffset = 80;
    internal const int MinScaleOffset = 82;

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * Q8_KKernels.BytesPerBlock, Q8_KKernels.BytesPerBlock);
            DecodeQuantsScalar(w, quants);
            var q8 = MemoryMarshal.Cast<byte, sbyte>(a.Slice(Q8_KKernels.QuantsOffset, BlockSize));
            var bsums = MemoryMarshal.Cast<byte, short>(a.Slice(Q8_KKernels.BlockSumsOffset, 32));
            int isum = 0, summs = 0;
            for (int g = 0; g < 16; g++)
            {
                int group = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++) group += quants[e] * q8[e];
                isum += (w[g] & 0xF) * group;
                summs += (w[g] >> 4) * bsums[g];
            }
            float d8 = BitConverter.ToSingle(a);
            float dall = d8 * Float16Bits.ToSingle(BitConverter.ToUInt16(w[ScaleOffset..]));
            float dmin = d8 * Float16Bits.ToSingle(BitConverter.ToUInt16(w[MinScaleOffset..]));
            sum += dall * isum - dmin * summs;
        }
        return sum;
    }

    /// <summary>The 256 quants (0..3) of one block in element order, as the layout comment spells it.</summary>
    internal static void DecodeQuantsScalar(ReadOnlySpan<byte> block, Span<sbyte> quants)
    {
        for (int h = 0; h < 2; h++)
        for (int j = 0; j < 4; j++)
        for (int l = 0; l < 32; l++)
            quants[128 * h + 32 * j + l] = (sbyte)((block[QuantsOffset + 32 * h + l] >> (2 * j)) & 3);
    }

    /// <summary>Vector twin of <see cref="DecodeQuantsScalar"/>, writing 256 bytes at <paramref name="quants"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeQuants(ref byte block, ref byte quants)
    {
        ref byte qs = ref Unsafe.Add(ref block, QuantsOffset);
        if (Vector256.IsHardwareAccelerated)
        {
            var three = Vector256.Create((byte)3);
            for (int h = 0; h < 2; h++)
            {
                var packed = Vector256.LoadUnsafe(ref qs, (nuint)(32 * h));
                for (int j = 0; j < 4; j++)
                    ((packed >>> (2 * j)) & three).StoreUnsafe(ref quants, (nuint)(128 * h + 32 * j));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var three = Vector128.Create((byte)3);
            for (int h = 0; h < 2; h++)
            for (int part = 0; part < 2; part++)
            {
                var packed = Vector128.LoadUnsafe(ref qs, (nuint)(32 * h + 16 * part));
                for (int j = 0; j < 4; j++)
                    ((packed >>> (2 * j)) & three).StoreUnsafe(ref quants, (nuint)(128 * h + 32 * j + 16 * part));
            }
        }
        else
        {
            for (int h = 0; h < 2; h++)
            for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
                Unsafe.Add(ref quants, 128 * h + 32 * j + l) = (byte)((Unsafe.Add(ref qs, 32 * h + l) >> (2 * j)) & 3);
        }
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        if (Int8MultiplyAdd.Is256Supported)
            return SuperBlockRowsKernels<Q2_KSuperBlock>.DotRow(weightRow, activationRow, blocks);
        ref byte wRow = ref MemoryMarshal.GetReference(weightRow);
        ref byte aRow = ref MemoryMarshal.GetReference(activationRow);
        Span<byte> quantBuffer = stackalloc byte[BlockSize];
        Span<short> scaleBuffer = stackalloc short[ScaledGroupDot.Groups];
        ref byte quants = ref MemoryMarshal.GetReference(quantBuffer);
        ref short scales = ref MemoryMarshal.GetReference(scaleBuffer);
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            ref byte w = ref Unsafe.Add(ref wRow, b * BytesPerBlock);
            ref byte a = ref Unsafe.Add(ref aRow, b * Q8_KKernels.BytesPerBlock);
            ref short bsums = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref a, Q8_KKernels.BlockSumsOffset));
            int summs = 0;
            for (int g = 0; g < 16; g++)
            {
                int packed = Unsafe.Add(ref w, g);
                Unsafe.Add(ref scales, g) = (short)(packed & 0xF);
                summs += (packed >> 4) * Unsafe.Add(ref bsums, g);
            }
            DecodeQuants(ref w, ref quants);
            int isum = ScaledGroupDot.Unsigned(ref quants, ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref a, Q8_KKernels.QuantsOffset)), ref scales);
            float d8 = Unsafe.ReadUnaligned<float>(ref a);
            float dall = d8 * Q8_0Kernels.Scale(ref Unsafe.Add(ref w, ScaleOffset));
            float dmin = d8 * Q8_0Kernels.Scale(ref Unsafe.Add(ref w, MinScaleOffset));
            sum += dall * isum - dmin * summs;
        }
        return sum;
    }

    /// <summary>
    /// One super-block's ints as lanes, built in registers: each 512-bit step takes the 64 elements of quarters j, j + 1
    /// of half h (2-bit quants, no decode through memory) against 64 contiguous q8, the pair sums weighted by their
    /// group's scale; the min term's lanes are one multiply-add of the sixteen mins with the activation's block sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<int> Lanes512(byte* block, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, Vector256<short> blockSums, out Vector256<int> minLanes)
    {
        var (scales, mins) = ScalesAndMins(block);
        var scales512 = VectorHalves.Repeat(scales);
        var acc = Step(Vector512<int>.Zero, block, c0, scales512, 0);
        acc = Step(acc, block, c1, scales512, 1);
        acc = Step(acc, block, c2, scales512, 2);
        acc = Step(acc, block, c3, scales512, 3);
        minLanes = Avx2.MultiplyAddAdjacent(mins, blockSums);
        return SuperBlockLanes.Fold(acc);
    }

    /// <summary>As <see cref="Lanes512"/> with 256-bit steps: 32 elements (two groups, quarter p mod 4 of half p / 4) each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<int> Lanes256(byte* block, sbyte* q8, Vector256<short> blockSums, out Vector256<int> minLanes)
    {
        var (scales, mins) = ScalesAndMins(block);
        var three = Vector256.Create((byte)3);
        var acc = Vector256<int>.Zero;
        for (int p = 0; p < 8; p++)
        {
            var codes = (Vector256.Load(block + QuantsOffset + 32 * (p >> 2)) >>> (2 * (p & 3))) & three;
            acc = Int8MultiplyAdd.UnsignedScaled(acc, codes, Vector256.Load(q8 + 32 * p), GroupScaleLanes.Step256(scales, p));
        }
        minLanes = Avx2.MultiplyAddAdjacent(mins, blockSums);
        return acc;
    }

    /// <summary>The scalar dot's float step: <c>sum + ((d8 · d) · isum − (d8 · dmin) · summs)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe float AddBlock(float sum, int isum, int summs, byte* block, float d8)
    {
        float dall = d8 * Q8_0Kernels.Scale(ref block[ScaleOffset]);
        float dmin = d8 * Q8_0Kernels.Scale(ref block[MinScaleOffset]);
        return sum + (dall * isum - dmin * summs);
    }

    /// <summary>As <see cref="AddBlock"/> for four rows' blocks, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector128<float> AddBlocks(Vector128<float> sums, Vector128<int> isums, Vector128<int> summs, byte* b0, byte* b1, byte* b2, byte* b3, float d8)
    {
        var scale = Vector128.Create(d8);
        var dall = scale * SuperBlockLanes.Scales(b0, b1, b2, b3, ScaleOffset);
        var dmin = scale * SuperBlockLanes.Scales(b0, b1, b2, b3, MinScaleOffset);
        return sums + (dall * Vector128.ConvertToSingle(isums) - dmin * Vector128.ConvertToSingle(summs));
    }

    /// <summary>The sixteen 4-bit scales (low nibbles) and mins (high nibbles) as shorts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector256<short> Scales, Vector256<short> Mins) ScalesAndMins(byte* block)
    {
        var packed = Vector128.Load(block);
        return (Avx2.ConvertToVector256Int16(packed & Vector128.Create((byte)0xF)), Avx2.ConvertToVector256Int16(packed >>> 4));
    }

    /// <summary>Elements 64·step … 64·step + 63: quarters j and j + 1 (j = 2·(step mod 2)) of half step / 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> Step(Vector512<int> acc, byte* block, Vector512<sbyte> activations, Vector512<short> scales512, int step)
    {
        int j = 2 * (step & 1);
        var three = Vector256.Create((byte)3);
        var packed = Vector256.Load(block + QuantsOffset + 32 * (step >> 1));
        var codes = VectorHalves.Join((packed >>> (2 * j)) & three, (packed >>> (2 * j + 2)) & three);
        return Int8MultiplyAdd.UnsignedScaled(acc, codes, activations, GroupScaleLanes.Step512(scales512, step));
    }

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: false);

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: true);

    private static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination, bool vectorized)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            if (vectorized) DecodeQuants(ref MemoryMarshal.GetReference(block), ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(quants)));
            else DecodeQuantsScalar(block, quants);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block[ScaleOffset..]));
            float dmin = Float16Bits.ToSingle(BitConverter.ToUInt16(block[MinScaleOffset..]));
            for (int g = 0; g < 16; g++)
            {
                // ggml: dl = d * (sc & 0xF), ml = dmin * (sc >> 4), y = dl * q - ml.
                float scale = d * (block[g] & 0xF);
                float offset = dmin * (block[g] >> 4);
                var y = destination.Slice(b * BlockSize + 16 * g, 16);
                var q = quants.Slice(16 * g, 16);
                if (vectorized) Int8Expansion.Scale(q, scale, offset, y);
                else Int8Expansion.ScaleScalar(q, scale, offset, y);
            }
        }
    }
}
