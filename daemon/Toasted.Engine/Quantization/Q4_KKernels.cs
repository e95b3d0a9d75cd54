using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_K: super-blocks of 256 elements, 144 bytes (ggml's block_q4_K); activations are Q8_K.
/// <code>
/// offset 0   : f16 d           super-block scale of the sub-block scales
/// offset 2   : f16 dmin        super-block scale of the sub-block mins
/// offset 4   : u8 scales[12]   8 six-bit scales and 8 six-bit mins, packed (see DecodeScalesAndMins)
/// offset 16  : u8 qs[128]      for chunk c in 0..3: bytes qs[32c .. 32c+31] hold sub-block 2c in their
///                              low nibbles and sub-block 2c+1 in their high nibbles
/// </code>
/// Element e of sub-block s (32 elements each) is <c>(d * scale[s]) * q - (dmin * min[s])</c>.
/// <para>
/// Dot semantics (vec_dot_q4_K_q8_K): per super-block the exact ints
/// isum = Σ_s scale[s] · Σ q·q8 and imins = Σ_s min[s] · (bsums[2s] + bsums[2s+1]), then in block order
/// <c>sum += (d · d8) · isum; sum -= (dmin · d8) · imins</c>. Vector paths compute the same ints and the same
/// float steps, so they are bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class Q4_KKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 144;
    internal const int MinScaleOffset = 2;
    internal const int ScalesOffset = 4;
    internal const int QuantsOffset = 16;

    /// <summary>Unpacks the 12 scale bytes into scales[0..7] and mins[0..7] (ggml's get_scale_min_k4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeScalesAndMins(ref byte packed, Span<byte> scales, Span<byte> mins)
    {
        for (int j = 0; j < 4; j++)
        {
            scales[j] = (byte)(Unsafe.Add(ref packed, j) & 63);
            mins[j] = (byte)(Unsafe.Add(ref packed, j + 4) & 63);
        }
        for (int j = 4; j < 8; j++)
        {
            scales[j] = (byte)((Unsafe.Add(ref packed, j + 4) & 0xF) | ((Unsafe.Add(ref packed, j - 4) >> 6) << 4));
            mins[j] = (byte)((Unsafe.Add(ref packed, j + 4) >> 4) | ((Unsafe.Add(ref packed, j) >> 6) << 4));
        }
    }

    /// <summary>
    /// The same unpacking on whole words: byte k of <paramref name="scales"/> / <paramref name="mins"/> is
    /// scale / min k. Bytes 0-3 hold scales 0-3, 4-7 mins 0-3 (low 6 bits each), 8-11 the low 4 bits of
    /// scales 4-7 (low nibbles) and mins 4-7 (high nibbles); their top 2 bits are the top bits of bytes 0-7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeScalesAndMinsPacked(ref byte packed, out ulong scales, out ulong mins)
    {
        const uint Low6 = 0x3F3F3F3F, Low4 = 0x0F0F0F0F, Low2 = 0x03030303;
        uint first = Unsafe.ReadUnaligned<uint>(ref packed);
        uint second = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref packed, 4));
        uint third = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref packed, 8));
        scales = (first & Low6) | (ulong)((third & Low4) | (((first >> 6) & Low2) << 4)) << 32;
        mins = (second & Low6) | (ulong)(((third >> 4) & Low4) | (((second >> 6) & Low2) << 4)) << 32;
    }

    /// <summary>Lanes adding up to <see cref="MinsTimesBlockSums"/> (AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> MinLanes(ref byte activationBlock, ulong mins)
    {
        // Each min twice, widened to 16 shorts, against the 16 block sums: vpmaddwd pairs them up exactly.
        var bytes = Vector128.CreateScalarUnsafe(mins).AsByte();
        var doubled = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(bytes, bytes));
        return Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref Unsafe.Add(ref activationBlock, Q8_KKernels.BlockSumsOffset)).AsInt16(), doubled);
    }

    /// <summary>Σ_s min[s] · (bsums[2s] + bsums[2s+1]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int MinsTimesBlockSums(ref byte activationBlock, ulong mins)
    {
        ref byte sums = ref Unsafe.Add(ref activationBlock, Q8_KKernels.BlockSumsOffset);
        if (Avx2.IsSupported) return Vector256.Sum(MinLanes(ref activationBlock, mins));
        ref short blockSums = ref Unsafe.As<byte, short>(ref sums);
        int total = 0;
        for (int s = 0; s < 8; s++)
            total += (int)((mins >> (8 * s)) & 0xFF) * (Unsafe.Add(ref blockSums, 2 * s) + Unsafe.Add(ref blockSums, 2 * s + 1));
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static short ScaleAt(ulong scales, int index) => (short)((scales >> (8 * index)) & 0xFF);

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        Span<byte> scales = stackalloc byte[8];
        Span<byte> mins = stackalloc byte[8];
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * Q8_KKernels.BytesPerBlock, Q8_KKernels.BytesPerBlock);
            DecodeScalesAndMins(ref MemoryMarshal.GetReference(w[ScalesOffset..]), scales, mins);
            var q8 = MemoryMarshal.Cast<byte, sbyte>(a.Slice(Q8_KKernels.QuantsOffset, BlockSize));
            var bsums = MemoryMarshal.Cast<byte, short>(a.Slice(Q8_KKernels.BlockSumsOffset, 32));
            int isum = 0, imins = 0;
            for (int chunk = 0; chunk < 4; chunk++)
            {
                int low = 0, high = 0;
                for (int l = 0; l < 32; l++)
                {
                    int packed = w[QuantsOffset + 32 * chunk + l];
                    low += (packed & 0xF) * q8[64 * chunk + l];
                    high += (packed >> 4) * q8[64 * chunk + 32 + l];
                }
                isum += scales[2 * chunk] * low + scales[2 * chunk + 1] * high;
            }
            for (int s = 0; s < 8; s++) imins += mins[s] * (bsums[2 * s] + bsums[2 * s + 1]);
            float d8 = BitConverter.ToSingle(a);
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * d8 * isum;
            sum -= Float16Bits.ToSingle(BitConverter.ToUInt16(w[MinScaleOffset..])) * d8 * imins;
        }
        return sum;
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        if (Int8MultiplyAdd.Is256Supported)
            return SuperBlockRowsKernels<Q4_KSuperBlock>.DotRow(weightRow, activationRow, blocks);
        ref byte wRow = ref MemoryMarshal.GetReference(weightRow);
        ref byte aRow = ref MemoryMarshal.GetReference(activationRow);
        var lowMask128 = Vector128.Create((byte)0xF);
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            ref byte w = ref Unsafe.Add(ref wRow, b * BytesPerBlock);
            ref byte a = ref Unsafe.Add(ref aRow, b * Q8_KKernels.BytesPerBlock);
            DecodeScalesAndMinsPacked(ref Unsafe.Add(ref w, ScalesOffset), out ulong scales, out ulong mins);
            ref byte q4 = ref Unsafe.Add(ref w, QuantsOffset);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref a, Q8_KKernels.QuantsOffset));
            int isum;
            if (Int8MultiplyAdd.Is128Supported)
            {
                var acc = Vector128<int>.Zero;
                for (int chunk = 0; chunk < 4; chunk++)
                {
                    var lowScale = Vector128.Create(ScaleAt(scales, 2 * chunk));
                    var highScale = Vector128.Create(ScaleAt(scales, 2 * chunk + 1));
                    for (int half = 0; half < 2; half++)
                    {
                        var packed = Vector128.LoadUnsafe(ref q4, (nuint)(32 * chunk + 16 * half));
                        acc = Int8MultiplyAdd.UnsignedScaled(acc, packed & lowMask128, Vector128.LoadUnsafe(ref q8, (nuint)(64 * chunk + 16 * half)), lowScale);
                        acc = Int8MultiplyAdd.UnsignedScaled(acc, PackedNibbles.High128(packed), Vector128.LoadUnsafe(ref q8, (nuint)(64 * chunk + 32 + 16 * half)), highScale);
                    }
                }
                isum = Vector128.Sum(acc);
            }
            else
            {
                isum = 0;
                for (int chunk = 0; chunk < 4; chunk++)
                {
                    int low = 0, high = 0;
                    for (int l = 0; l < 32; l++)
                    {
                        int packed = Unsafe.Add(ref q4, 32 * chunk + l);
                        low += (packed & 0xF) * Unsafe.Add(ref q8, 64 * chunk + l);
                        high += (packed >> 4) * Unsafe.Add(ref q8, 64 * chunk + 32 + l);
                    }
                    isum += ScaleAt(scales, 2 * chunk) * low + ScaleAt(scales, 2 * chunk + 1) * high;
                }
            }
            int imins = MinsTimesBlockSums(ref a, mins);
            float d8 = Unsafe.ReadUnaligned<float>(ref a);
            sum += Q8_0Kernels.Scale(ref w) * d8 * isum;
            sum -= Q8_0Kernels.Scale(ref Unsafe.Add(ref w, MinScaleOffset)) * d8 * imins;
        }
        return sum;
    }

    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: false);

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination) => Dequantize(blocks, destination, vectorized: true);

    private static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination, bool vectorized)
    {
        int count = blocks.Length / BytesPerBlock;
        RowChecks.Floats(destination.Length, count * BlockSize, "destination");
        Span<byte> scales = stackalloc byte[8];
        Span<byte> mins = stackalloc byte[8];
        Span<sbyte> quants = stackalloc sbyte[32];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            float dmin = Float16Bits.ToSingle(BitConverter.ToUInt16(block[MinScaleOffset..]));
            DecodeScalesAndMins(ref MemoryMarshal.GetReference(block[ScalesOffset..]), scales, mins);
            for (int s = 0; s < 8; s++)
            {
                var packed = block.Slice(QuantsOffset + 32 * (s / 2), 32);
                int shift = (s & 1) * 4;
                for (int l = 0; l < 32; l++) quants[l] = (sbyte)((packed[l] >> shift) & 0xF);
                float scale = d * scales[s];
                float offset = dmin * mins[s];
                var y = destination.Slice(b * BlockSize + 32 * s, 32);
                if (vectorized) Int8Expansion.Scale(quants, scale, offset, y);
                else Int8Expansion.ScaleScalar(quants, scale, offset, y);
            }
        }
    }
}
