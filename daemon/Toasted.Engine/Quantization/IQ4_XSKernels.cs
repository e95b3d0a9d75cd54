using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// IQ4_XS: super-blocks of 256 elements, 136 bytes (ggml's block_iq4_xs); activations are Q8_K.
/// <code>
/// offset 0   : f16 d           super-block scale
/// offset 2   : u16 scales_h    top 2 bits of the eight 6-bit sub-block scales: bits 2s, 2s+1 for sub-block s
/// offset 4   : u8 scales_l[4]  low 4 bits: sub-block s in nibble s % 2 (low first) of byte s / 2
/// offset 8   : u8 qs[128]      4-bit codes; sub-block s (32 elements) uses bytes qs[16s .. 16s+15]: element
///                              32s + j is the low nibble of qs[16s + j], element 32s + 16 + j the high nibble
/// </code>
/// Element e of sub-block s is <c>(d * (ls[s] - 32)) * level[code]</c> with the levels of
/// <see cref="Iq4NonLinearValues"/>.
/// <para>
/// Dot semantics (vec_dot_iq4_xs_q8_K): per super-block the exact int isum = Σ_s (ls[s] - 32) · Σ level·q8, then in
/// block order <c>sum += (d · d8) · isum</c> (ggml's vector kernels also sum the sub-blocks as ints before one
/// float step per block). The 512- and 256-bit paths build the ints in registers (<see cref="IQ4_XSSuperBlock"/>); the
/// 128-bit path looks the levels up with a byte shuffle and shares <see cref="ScaledGroupDot"/>; the ints are the same,
/// so they are bit-exact with the scalar twin.
/// </para>
/// </summary>
public static class IQ4_XSKernels
{
    public const int BlockSize = 256;
    public const int BytesPerBlock = 136;
    internal const int ScalesHighOffset = 2;
    internal const int ScalesLowOffset = 4;
    internal const int QuantsOffset = 8;

    /// <summary>The signed 6-bit scale (ls - 32) of sub-block <paramref name="s"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static short SubBlockScale(ref byte block, int s)
    {
        int low = (Unsafe.Add(ref block, ScalesLowOffset + s / 2) >> (4 * (s % 2))) & 0xF;
        int high = (Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref block, ScalesHighOffset)) >> (2 * s)) & 3;
        return (short)((low | (high << 4)) - 32);
    }

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
            int isum = 0;
            for (int s = 0; s < 8; s++)
            {
                int subBlock = 0;
                for (int e = 32 * s; e < 32 * s + 32; e++) subBlock += quants[e] * q8[e];
                isum += SubBlockScale(ref MemoryMarshal.GetReference(w), s) * subBlock;
            }
            sum += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * BitConverter.ToSingle(a) * isum;
        }
        return sum;
    }

    /// <summary>The 256 levels of one block in element order, as the layout comment spells it.</summary>
    internal static void DecodeQuantsScalar(ReadOnlySpan<byte> block, Span<sbyte> quants)
    {
        var levels = Iq4NonLinearValues.Levels;
        for (int s = 0; s < 8; s++)
        for (int j = 0; j < 16; j++)
        {
            int packed = block[QuantsOffset + 16 * s + j];
            quants[32 * s + j] = levels[packed & 0xF];
            quants[32 * s + 16 + j] = levels[packed >> 4];
        }
    }

    /// <summary>Vector twin of <see cref="DecodeQuantsScalar"/>, writing 256 bytes at <paramref name="quants"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DecodeQuants(ref byte block, ref byte quants)
    {
        ref byte qs = ref Unsafe.Add(ref block, QuantsOffset);
        if (Vector128.IsHardwareAccelerated)
        {
            var table = Iq4NonLinearValues.Table.AsByte();
            var lowMask = Vector128.Create((byte)0xF);
            for (int s = 0; s < 8; s++)
            {
                var packed = Vector128.LoadUnsafe(ref qs, (nuint)(16 * s));
                Lookup(table, packed & lowMask).StoreUnsafe(ref quants, (nuint)(32 * s));
                Lookup(table, packed >>> 4).StoreUnsafe(ref quants, (nuint)(32 * s + 16));
            }
        }
        else
        {
            var levels = Iq4NonLinearValues.Levels;
            for (int s = 0; s < 8; s++)
            for (int j = 0; j < 16; j++)
            {
                int packed = Unsafe.Add(ref qs, 16 * s + j);
                Unsafe.Add(ref quants, 32 * s + j) = (byte)levels[packed & 0xF];
                Unsafe.Add(ref quants, 32 * s + 16 + j) = (byte)levels[packed >> 4];
            }
        }
    }

    /// <summary>Byte k of the result is table[codes[k]]; codes are below 16, where every shuffle form agrees.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Lookup(Vector128<byte> table, Vector128<byte> codes) =>
        Ssse3.IsSupported ? Ssse3.Shuffle(table, codes) : Vector128.Shuffle(table, codes);

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        RowChecks.Bytes(weightRow, (long)blocks * BytesPerBlock, "weight row");
        RowChecks.Bytes(activationRow, (long)blocks * Q8_KKernels.BytesPerBlock, "activation row");
        if (Int8MultiplyAdd.Is256Supported)
            return SuperBlockRowsKernels<IQ4_XSSuperBlock>.DotRow(weightRow, activationRow, blocks);
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
            // One scale per 32 elements: each serves two 16-element groups.
            for (int s = 0; s < 8; s++)
            {
                short scale = SubBlockScale(ref w, s);
                Unsafe.Add(ref groupScales, 2 * s) = scale;
                Unsafe.Add(ref groupScales, 2 * s + 1) = scale;
            }
            DecodeQuants(ref w, ref quants);
            int isum = ScaledGroupDot.Signed(ref quants, ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref a, Q8_KKernels.QuantsOffset)), ref groupScales);
            sum += Q8_0Kernels.Scale(ref w) * Unsafe.ReadUnaligned<float>(ref a) * isum;
        }
        return sum;
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
            ref byte first = ref MemoryMarshal.GetReference(block);
            if (vectorized) DecodeQuants(ref first, ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(quants)));
            else DecodeQuantsScalar(block, quants);
            float d = Float16Bits.ToSingle(BitConverter.ToUInt16(block));
            for (int s = 0; s < 8; s++)
            {
                // ggml: dl = d * (ls - 32), then dl * level.
                float scale = d * SubBlockScale(ref first, s);
                var y = destination.Slice(b * BlockSize + 32 * s, 32);
                var q = quants.Slice(32 * s, 32);
                if (vectorized) Int8Expansion.Scale(q, scale, 0f, y);
                else Int8Expansion.ScaleScalar(q, scale, 0f, y);
            }
        }
    }
}
