using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q5_K: super-blocks of 256 elements, 176 bytes (ggml's block_q5_K); activations are Q8_K. It is Q4_K with a
/// fifth bit per quant.
/// <code>
/// offset 0   : f16 d           super-block scale of the sub-block scales
/// offset 2   : f16 dmin        super-block scale of the sub-block mins
/// offset 4   : u8 scales[12]   8 six-bit scales and 8 six-bit mins, packed as in Q4_K
/// offset 16  : u8 qh[32]       fifth bits: element 32s + l of sub-block s has bit s of qh[l]
/// offset 48  : u8 qs[128]      low 4 bits; for chunk c in 0..3: bytes qs[32c .. 32c+31] hold sub-block 2c in
///                              their low nibbles and sub-block 2c+1 in their high nibbles
/// </code>
/// Element e of sub-block s (32 elements each) is <c>(d * scale[s]) * q - (dmin * min[s])</c>, q in [0, 31].
/// <para>
/// Dot semantics (vec_dot_q5_K_q8_K): as Q4_K, per super-block the exact ints isum = Σ_s scale[s] · Σ q·q8 and
/// imins = Σ_s min[s] · (bsums[2s] + bsums[2s+1]), then in block order <c>sum += (d · d8) · isum;
/// sum -= (dmin · d8) · imins</c>. The 512- and 256-bit paths build the quants in registers (<see cref="Q5_KSuperBlock"/>);
/// the 128-bit path decodes them to bytes and shares <see cref="ScaledGroupDot"/>; the ints are the same, so every
/// path is bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class Q5_KKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 176;
    internal const int MinScaleOffset = 2;
    internal const int ScalesOffset = 4;
    internal const int HighBitsOffset = 16;
    internal const int QuantsOffset = 48;

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        Span<byte> scales = stackalloc byte[8];
        Span<byte> mins = stackalloc byte[8];
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            var w = weightRow.Slice(b * BytesPerBlock, BytesPerBlock);
            var a = activationRow.Slice(b * Q8_KKernels.BytesPerBlock, Q8_KKernels.BytesPerBlock);
            Q4_KKernels.DecodeScalesAndMins(ref MemoryMarshal.GetReference(w[ScalesOffset..]), scales, mins);
            DecodeQuantsScalar(w, quants);
            var q8 = MemoryMarshal.Cast<byte, sbyte>(a.Slice(Q8_KKernels.QuantsOffset, BlockSize));
            var bsums = MemoryMarshal.Cast<byte, short>(a.Slice(Q8_KKernels.BlockSumsOffset, 32));
            int isum = 0, imins = 0;
            for (int s = 0; s < 8; s++)
            {
                int subBlock = 0;
                for (int e = 32 * s; e < 32 * s + 32; e++) subBlock += quants[e] * q8[e];
                isum += scales[s] * subBlock;
                imins += mins[s] * (bsums[2 * s] + bsums[2 * s + 1]);
            }
            float d8 = BitConverter.ToSingle(a);
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * d8 * isum;
            sum -= Float16Bits.ToSingle(BitConverter.ToUInt16(w[MinScaleOffset..])) * d8 * imins;
        }
        return sum;
    }

    /// <summary>The 256 quants (0..31) of one block in element order, as the layout comment spells it.</summary>
    internal static void DecodeQuantsScalar(ReadOnlySpan<byte> block, Span<sbyte> quants)
    {
        for (int s = 0; s < 8; s++)
        for (int l = 0; l < 32; l++)
        {
            int packed = block[QuantsOffset + 32 * (s / 2) + l];
            int low = (s & 1) == 0 ? packed & 0xF : packed >> 4;
            int high = (block[HighBitsOffset + l] >> s) & 1;
            quants[32 * s + l] = (sbyte)(low | (high << 4));
        }
    }

    /// <summary>Vector twin of <see cref="DecodeQuantsScalar"/>, writing 256 bytes at <paramref name="quants"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeQuants(ref byte block, ref byte quants)
    {
        ref byte qs = ref Unsafe.Add(ref block, QuantsOffset);
        ref byte qh = ref Unsafe.Add(ref block, HighBitsOffset);
        if (Vector256.IsHardwareAccelerated)
        {
            var lowMask = Vector256.Create((byte)0xF);
            var one = Vector256.Create((byte)1);
            var highBits = Vector256.LoadUnsafe(ref qh);
            for (int chunk = 0; chunk < 4; chunk++)
            {
                var packed = Vector256.LoadUnsafe(ref qs, (nuint)(32 * chunk));
                ((packed & lowMask) | (((highBits >>> (2 * chunk)) & one) << 4)).StoreUnsafe(ref quants, (nuint)(64 * chunk));
                ((packed >>> 4) | (((highBits >>> (2 * chunk + 1)) & one) << 4)).StoreUnsafe(ref quants, (nuint)(64 * chunk + 32));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var lowMask = Vector128.Create((byte)0xF);
            var one = Vector128.Create((byte)1);
            for (int part = 0; part < 2; part++)
            {
                var highBits = Vector128.LoadUnsafe(ref qh, (nuint)(16 * part));
                for (int chunk = 0; chunk < 4; chunk++)
                {
                    var packed = Vector128.LoadUnsafe(ref qs, (nuint)(32 * chunk + 16 * part));
                    ((packed & lowMask) | (((highBits >>> (2 * chunk)) & one) << 4)).StoreUnsafe(ref quants, (nuint)(64 * chunk + 16 * part));
                    ((packed >>> 4) | (((highBits >>> (2 * chunk + 1)) & one) << 4)).StoreUnsafe(ref quants, (nuint)(64 * chunk + 32 + 16 * part));
                }
            }
        }
        else
        {
            for (int s = 0; s < 8; s++)
            for (int l = 0; l < 32; l++)
            {
                int packed = Unsafe.Add(ref qs, 32 * (s / 2) + l);
                int low = (s & 1) == 0 ? packed & 0xF : packed >> 4;
                Unsafe.Add(ref quants, 32 * s + l) = (byte)(low | (((Unsafe.Add(ref qh, l) >> s) & 1) << 4));
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        if (Int8MultiplyAdd.Is256Supported)
            return SuperBlockRowsKernels<Q5_KSuperBlock>.DotRow(weightRow, activationRow, blocks);
        ref byte wRow = ref MemoryMarshal.GetReference(weightRow);
        ref byte aRow = ref MemoryMarshal.GetReference(activationRow);
        Span<byte> quantBuffer = stackalloc byte[BlockSize];
        Span<short> scaleBuffer = stackalloc short[ScaledGroupDot.Groups];
        ref byte quants = ref MemoryMarshal.GetReference(quantBuffer);
        ref short groupScales = ref MemoryMarshal.GetReference(scaleBuffer);
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            ref byte w = ref Unsafe.Add(ref wRow, b * BytesPerBlock);
            ref byte a = ref Unsafe.Add(ref aRow, b * Q8_KKernels.BytesPerBlock);
            Q4_KKernels.DecodeScalesAndMinsPacked(ref Unsafe.Add(ref w, ScalesOffset), out ulong scales, out ulong mins);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref a, Q8_KKernels.QuantsOffset));
            // One scale per 32 elements: each serves two 16-element groups.
            for (int s = 0; s < 8; s++)
            {
                short scale = Q4_KKernels.ScaleAt(scales, s);
                Unsafe.Add(ref groupScales, 2 * s) = scale;
                Unsafe.Add(ref groupScales, 2 * s + 1) = scale;
            }
            DecodeQuants(ref w, ref quants);
            int isum = ScaledGroupDot.Unsigned(ref quants, ref q8, ref groupScales);
            int imins = Q4_KKernels.MinsTimesBlockSums(ref a, mins);
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
        Span<sbyte> quants = stackalloc sbyte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            float dmin = Float16Bits.ToSingle(BitConverter.ToUInt16(block[MinScaleOffset..]));
            Q4_KKernels.DecodeScalesAndMins(ref MemoryMarshal.GetReference(block[ScalesOffset..]), scales, mins);
            if (vectorized) DecodeQuants(ref MemoryMarshal.GetReference(block), ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(quants)));
            else DecodeQuantsScalar(block, quants);
            for (int s = 0; s < 8; s++)
            {
                float scale = d * scales[s];
                float offset = dmin * mins[s];
                var y = destination.Slice(b * BlockSize + 32 * s, 32);
                var q = quants.Slice(32 * s, 32);
                if (vectorized) Int8Expansion.Scale(q, scale, offset, y);
                else Int8Expansion.ScaleScalar(q, scale, offset, y);
            }
        }
    }
}
