using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_0 weights regrouped sixteen rows at a time for matrix × vector, so that one 64-byte load carries
/// four quant bytes of each of the sixteen rows, all of which meet the same four activation quants: the
/// activation operand of a multiply is one broadcast of 4 bytes, the integer sums land in lanes that belong
/// to one row each (no horizontal sums), and the sixteen scales of a block column convert in one vector.
/// <para>
/// A group holds sixteen consecutive rows of <c>blocks</c> blocks as one stream of block-column pairs,
/// <see cref="PairBytes"/> = 576 bytes (nine 64-byte lines) each, read front to back:
/// </para>
/// <list type="bullet">
/// <item>bytes 0–31 and 32–63: the sixteen rows' f16 scales of the pair's first and second column, in row order;</item>
/// <item>bytes 64–319 and 320–575: the quants of the first and second column, four 64-byte vectors each: lane i
///   (bytes 4i … 4i+3) of vector j holds packed bytes 4j … 4j+3 of row i's block. Their low nibbles are the
///   block's elements 4j … 4j+3, their high nibbles elements 16+4j … 16+4j+3.</item>
/// </list>
/// A pair keeps the bytes of its thirty-two file blocks (32 × 18) and starts on a line, so every quant vector
/// does too, and the scales travel in the same stream as the quants they scale. When the block count is odd
/// the group ends in half a pair: the last column's scales, 32 zero bytes, its quants (five lines).
/// IQ4_NL's blocks have the same bytes (f16 d, then sixteen bytes of 4-bit codes in the same places) and are regrouped the
/// same way for <see cref="IQ4_NLInterleavedKernels"/>.
/// </summary>
public static unsafe class Q4_0Interleaved
{
    public const int RowsPerGroup = BlockColumnPairs.RowsPerGroup;
    public const int QuantColumnBytes = 4 * 64;
    public const int ScaleColumnBytes = BlockColumnPairs.ScaleColumnBytes;
    /// <summary>Two block columns: both columns' scales, then both columns' quants.</summary>
    public const int PairBytes = 2 * (ScaleColumnBytes + QuantColumnBytes);

    private const int BlockBytes = Q4_0Kernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;

    /// <summary>Bytes of one group of sixteen rows of <paramref name="blocks"/> blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => BlockColumnPairs.GroupBytes(blocks, QuantColumnBytes);

    /// <summary>The scales of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Scales(byte* group, int block) => BlockColumnPairs.Scales(group, block, QuantColumnBytes);

    /// <summary>The quants of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block) => BlockColumnPairs.Quants(group, block, QuantColumnBytes);

    /// <summary>Regroups sixteen rows of <paramref name="blocks"/> Q4_0 blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        new Span<byte>(destination, (int)GroupBytes(blocks)).Clear();
        for (int b = 0; b < blocks; b++)
        {
            byte* quants = Quants(destination, b);
            byte* scales = Scales(destination, b);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(scales + 2 * r, Unsafe.ReadUnaligned<ushort>(block));
                for (int j = 0; j < 4; j++)
                    Unsafe.WriteUnaligned(quants + 64 * j + 4 * r, Unsafe.ReadUnaligned<uint>(block + 2 + 4 * j));
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q4_0InterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/>
    /// groups, the sixteen rows' dots with one Q8_0 activation row of <paramref name="blocks"/> blocks, written to
    /// <paramref name="destination"/>[16g + r]. Per row and block: the exact int Σ (nibble − 8)·q8 over the
    /// block's 32 elements, then <c>acc = fma(int, d_w · d_a, acc)</c>, as llama.cpp's Q4_0 dot does. The vector
    /// kernels do exactly these float steps, so they equal this to the bit.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        DotGroupsScalar(packed, groups, blocks, activation, destination, [-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);

    /// <summary>
    /// The twin for any 4-bit format in this layout, a code meaning <paramref name="levels"/>[code]: Q4_0's nibble − 8 above,
    /// IQ4_NL's non-linear levels (<see cref="IQ4_NLInterleavedKernels"/>), whose blocks have Q4_0's bytes.
    /// </summary>
    internal static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination, ReadOnlySpan<sbyte> levels)
    {
        Span<float> accumulators = stackalloc float[RowsPerGroup];
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * GroupBytes(blocks);
            accumulators.Clear();
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Quants(group, b);
                byte* scales = Scales(group, b);
                byte* a = activation + (long)b * ActivationBlockBytes;
                float activationScale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
                for (int r = 0; r < RowsPerGroup; r++)
                {
                    int isum = 0;
                    for (int j = 0; j < 4; j++)
                    for (int k = 0; k < 4; k++)
                    {
                        byte packedByte = quants[64 * j + 4 * r + k];
                        isum += levels[packedByte & 0xF] * (sbyte)a[2 + 4 * j + k];
                        isum += levels[packedByte >> 4] * (sbyte)a[2 + 16 + 4 * j + k];
                    }
                    float scale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(scales + 2 * r)) * activationScale;
                    accumulators[r] = MathF.FusedMultiplyAdd(isum, scale, accumulators[r]);
                }
            }
            for (int r = 0; r < RowsPerGroup; r++)
                destination[(long)g * RowsPerGroup + r] = accumulators[r];
        }
    }
}
