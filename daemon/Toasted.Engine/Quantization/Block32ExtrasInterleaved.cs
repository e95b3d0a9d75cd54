using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// What a 32-element format with more than Q4_0's bytes (Q4_1's min, Q5_0's fifth bits, Q5_1's both) brings to
/// <see cref="Block32ExtrasInterleaved"/>: its file block, how its codes decode, and which extras a column keeps.
/// </summary>
internal interface IBlock32ExtrasFormat
{
    static abstract int WeightBlockBytes { get; }

    /// <summary>Whether codes have a fifth bit (0 … 31) besides the nibble.</summary>
    static abstract bool HasFifthBits { get; }

    /// <summary>Whether blocks have an f16 min m at byte 2 (and the activations are Q8_1, whose s = d · Σ q meets it).</summary>
    static abstract bool HasMins { get; }

    /// <summary>What the file's signed codes lack of the unsigned code stored here: 16 for Q5_0, 0 for Q4_1 and Q5_1.</summary>
    static abstract int CodeOffset { get; }

    /// <summary>Bytes of a column's extras: the fifth-bit masks (64), then the mins (32), as the format has them.</summary>
    static abstract int ExtrasColumnBytes { get; }

    /// <summary>Where the mins sit in a column's extras.</summary>
    static abstract int MinsOffset { get; }

    /// <summary>The 32 signed codes of a file block in element order (the format's reference decoder).</summary>
    static abstract void DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes);
}

internal readonly struct Q4_1Extras : IBlock32ExtrasFormat
{
    public static int WeightBlockBytes => Q4_1Kernels.BytesPerBlock;
    public static bool HasFifthBits => false;
    public static bool HasMins => true;
    public static int CodeOffset => 0;
    public static int ExtrasColumnBytes => Block32ExtrasInterleaved.MinsBytes;
    public static int MinsOffset => 0;
    public static void DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes) => Block32ExtrasInterleaved.Decode<Q4_1Kernels>(block, codes);
}

internal readonly struct Q5_0Extras : IBlock32ExtrasFormat
{
    public static int WeightBlockBytes => Q5_0Kernels.BytesPerBlock;
    public static bool HasFifthBits => true;
    public static bool HasMins => false;
    public static int CodeOffset => 16;
    public static int ExtrasColumnBytes => Block32ExtrasInterleaved.FifthBitsBytes;
    public static int MinsOffset => 0;
    public static void DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes) => Block32ExtrasInterleaved.Decode<Q5_0Kernels>(block, codes);
}

internal readonly struct Q5_1Extras : IBlock32ExtrasFormat
{
    public static int WeightBlockBytes => Q5_1Kernels.BytesPerBlock;
    public static bool HasFifthBits => true;
    public static bool HasMins => true;
    public static int CodeOffset => 0;
    public static int ExtrasColumnBytes => Block32ExtrasInterleaved.FifthBitsBytes + Block32ExtrasInterleaved.MinsBytes;
    public static int MinsOffset => Block32ExtrasInterleaved.FifthBitsBytes;
    public static void DecodeScalar(ReadOnlySpan<byte> block, Span<sbyte> codes) => Block32ExtrasInterleaved.Decode<Q5_1Kernels>(block, codes);
}

/// <summary>
/// Q4_1, Q5_0 and Q5_1 weights regrouped sixteen rows at a time for matrix × vector, as <see cref="Q4_0Interleaved"/>
/// regroups Q4_0's, with each column's extras between the scales and the nibbles (<see cref="BlockColumnPairs"/>): a pair
/// is both columns' sixteen f16 d, both columns' extras, then both columns' nibble vectors (lane r of vector j holds packed
/// bytes 4j … 4j + 3 of row r's block: elements 4j … 4j + 3 in the low nibbles, 16 + 4j … in the high ones). A column's
/// extras:
/// <list type="bullet">
/// <item>fifth bits (Q5_0, Q5_1), 64 bytes: per nibble vector j two 64-bit masks, at 16j for the low nibbles and 16j + 8
///   for the high ones; bit 4r + k is the fifth bit of the element in byte k of row r's lane, so the mask expands to the
///   vector's bytes in order (<see cref="Block32ExtrasInterleavedKernels{TFormat}"/>). The file's qh has the same bits,
///   one word per row;</item>
/// <item>mins (Q4_1, Q5_1), 32 bytes after the fifth bits: the sixteen rows' f16 m in row order.</item>
/// </list>
/// A pair keeps exactly the bytes of its thirty-two file blocks: Q4_1 640 (ten lines), Q5_0 704 (eleven), Q5_1 768 (twelve);
/// a lone last column takes 384, 384 and 448.
/// </summary>
internal static unsafe class Block32ExtrasInterleaved
{
    public const int RowsPerGroup = BlockColumnPairs.RowsPerGroup;
    public const int QuantColumnBytes = 4 * 64;
    public const int FifthBitsBytes = 64;
    public const int MinsBytes = RowsPerGroup * sizeof(ushort);

    /// <summary>Bytes of one group of sixteen rows of <paramref name="blocks"/> blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes<TFormat>(int blocks) where TFormat : IBlock32ExtrasFormat =>
        BlockColumnPairs.GroupBytes(blocks, QuantColumnBytes, TFormat.ExtrasColumnBytes);

    internal static void Decode<TCodes>(ReadOnlySpan<byte> block, Span<sbyte> codes) where TCodes : IBlock32Codes => TCodes.DecodeScalar(block, codes);

    /// <summary>Regroups sixteen rows of <paramref name="blocks"/> blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack<TFormat>(byte* rows, long rowBytes, int blocks, byte* destination) where TFormat : IBlock32ExtrasFormat
    {
        int extrasBytes = TFormat.ExtrasColumnBytes;
        new Span<byte>(destination, (int)GroupBytes<TFormat>(blocks)).Clear();
        Span<sbyte> codes = stackalloc sbyte[32];
        for (int b = 0; b < blocks; b++)
        {
            byte* scales = BlockColumnPairs.Scales(destination, b, QuantColumnBytes, extrasBytes);
            byte* extras = BlockColumnPairs.Extras(destination, b, QuantColumnBytes, extrasBytes);
            byte* quants = BlockColumnPairs.Quants(destination, b, QuantColumnBytes, extrasBytes, blocks);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * TFormat.WeightBlockBytes;
                Unsafe.WriteUnaligned(scales + 2 * r, Unsafe.ReadUnaligned<ushort>(block));
                if (TFormat.HasMins)
                    Unsafe.WriteUnaligned(extras + TFormat.MinsOffset + 2 * r, Unsafe.ReadUnaligned<ushort>(block + 2));
                TFormat.DecodeScalar(new ReadOnlySpan<byte>(block, TFormat.WeightBlockBytes), codes);
                for (int j = 0; j < 4; j++)
                for (int k = 0; k < 4; k++)
                {
                    int low = codes[4 * j + k] + TFormat.CodeOffset;
                    int high = codes[16 + 4 * j + k] + TFormat.CodeOffset;
                    quants[64 * j + 4 * r + k] = (byte)((low & 0xF) | (high & 0xF) << 4);
                    if (!TFormat.HasFifthBits) continue;
                    int bit = 4 * r + k;
                    ((ulong*)(extras + 16 * j))[0] |= (ulong)(low >> 4) << bit;
                    ((ulong*)(extras + 16 * j))[1] |= (ulong)(high >> 4) << bit;
                }
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Block32ExtrasInterleavedKernels{TFormat}.DotGroups"/>: for each of <paramref name="groups"/>
    /// groups, the sixteen rows' dots with one activation row of <paramref name="blocks"/> blocks (Q8_1 for the formats with
    /// mins, else Q8_0), written to <paramref name="destination"/>[16g + r]. Per row and block the exact int
    /// Σ (code − offset) · q8 over the 32 elements, then <c>acc = fma(isum, d_w · d_a, acc)</c> and, with mins,
    /// <c>acc = acc + m_w · s_a</c>. The vector kernels do exactly these float steps, so they equal this to the bit.
    /// </summary>
    public static void DotGroupsScalar<TFormat>(byte* packed, int groups, int blocks, byte* activation, float* destination)
        where TFormat : IBlock32ExtrasFormat
    {
        int extrasBytes = TFormat.ExtrasColumnBytes;
        int activationBlockBytes = TFormat.HasMins ? Q8_1Kernels.BytesPerBlock : Q8_0Kernels.BytesPerBlock;
        int quantsOffset = TFormat.HasMins ? Q8_1Kernels.QuantsOffset : 2;
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * GroupBytes<TFormat>(blocks);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                float acc = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* scales = BlockColumnPairs.Scales(group, b, QuantColumnBytes, extrasBytes);
                    byte* extras = BlockColumnPairs.Extras(group, b, QuantColumnBytes, extrasBytes);
                    byte* quants = BlockColumnPairs.Quants(group, b, QuantColumnBytes, extrasBytes, blocks);
                    byte* a = activation + (long)b * activationBlockBytes;
                    int isum = 0;
                    for (int j = 0; j < 4; j++)
                    for (int k = 0; k < 4; k++)
                    {
                        byte packedByte = quants[64 * j + 4 * r + k];
                        int low = packedByte & 0xF, high = packedByte >> 4;
                        if (TFormat.HasFifthBits)
                        {
                            int bit = 4 * r + k;
                            low |= (int)((((ulong*)(extras + 16 * j))[0] >> bit) & 1) << 4;
                            high |= (int)((((ulong*)(extras + 16 * j))[1] >> bit) & 1) << 4;
                        }
                        isum += (low - TFormat.CodeOffset) * (sbyte)a[quantsOffset + 4 * j + k];
                        isum += (high - TFormat.CodeOffset) * (sbyte)a[quantsOffset + 16 + 4 * j + k];
                    }
                    float scale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(scales + 2 * r)) * Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
                    acc = MathF.FusedMultiplyAdd(isum, scale, acc);
                    if (TFormat.HasMins)
                        acc += Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(extras + TFormat.MinsOffset + 2 * r))
                            * Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a + Q8_1Kernels.SumOffset));
                }
                destination[(long)g * RowsPerGroup + r] = acc;
            }
        }
    }
}
