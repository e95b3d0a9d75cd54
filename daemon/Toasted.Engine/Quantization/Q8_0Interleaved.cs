using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q8_0 weights regrouped sixteen rows at a time for matrix × vector, as <see cref="Q4_0Interleaved"/> does for
/// Q4_0: one 64-byte load carries four quants of each of the sixteen rows, all of which meet the same four
/// activation quants, so the activation operand of a multiply is one broadcast of 4 bytes, the integer sums land
/// in lanes that belong to one row each, and the sixteen scales of a block column convert in one vector.
/// <para>
/// A group holds sixteen consecutive rows of <c>blocks</c> blocks as one stream of block-column pairs,
/// <see cref="PairBytes"/> = 1088 bytes (seventeen 64-byte lines) each, read front to back:
/// </para>
/// <list type="bullet">
/// <item>bytes 0–31 and 32–63: the sixteen rows' f16 scales of the pair's first and second column, in row order;</item>
/// <item>bytes 64–575 and 576–1087: the quants of the first and second column, eight 64-byte vectors each: lane i
///   (bytes 4i … 4i+3) of vector j holds quants 4j … 4j+3 of row i's block, each stored as the unsigned byte
///   q + 128 (<see cref="QuantOffset"/>), the operand form <c>vpdpbusd</c> and <c>vpmaddubsw</c> take; the kernels
///   subtract 128 · Σ q_a per block.</item>
/// </list>
/// A pair keeps exactly the bytes of its thirty-two file blocks (32 × 34) and starts on a line, so every quant
/// vector does too, and the scales travel in the same stream as the quants they scale. When the block count is
/// odd the group ends in half a pair: the last column's scales, 32 zero bytes, its quants (nine lines).
/// </summary>
public static unsafe class Q8_0Interleaved
{
    public const int RowsPerGroup = BlockColumnPairs.RowsPerGroup;
    /// <summary>Quant vectors of one block column: 32 quants per row, four per lane.</summary>
    public const int Vectors = 8;
    public const int QuantColumnBytes = Vectors * 64;
    public const int ScaleColumnBytes = BlockColumnPairs.ScaleColumnBytes;
    /// <summary>Two block columns: both columns' scales, then both columns' quants.</summary>
    public const int PairBytes = 2 * (ScaleColumnBytes + QuantColumnBytes);
    /// <summary>What each stored quant carries on top of its value (stored as <c>q ^ 0x80</c>, which is q + 128 as a byte).</summary>
    public const int QuantOffset = 128;

    private const int BlockBytes = Q8_0Kernels.BytesPerBlock;

    /// <summary>Bytes of one group of sixteen rows of <paramref name="blocks"/> blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => BlockColumnPairs.GroupBytes(blocks, QuantColumnBytes);

    /// <summary>The scales of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Scales(byte* group, int block) => BlockColumnPairs.Scales(group, block, QuantColumnBytes);

    /// <summary>The quants of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block) => BlockColumnPairs.Quants(group, block, QuantColumnBytes);

    /// <summary>Regroups sixteen rows of <paramref name="blocks"/> Q8_0 blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
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
                for (int j = 0; j < Vectors; j++)
                    Unsafe.WriteUnaligned(quants + 64 * j + 4 * r, Unsafe.ReadUnaligned<uint>(block + 2 + 4 * j) ^ 0x80808080u);
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q8_0InterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/>
    /// groups, the sixteen rows' dots with one Q8_0 activation row of <paramref name="blocks"/> blocks, written to
    /// <paramref name="destination"/>[16g + r]. Per row and block: the exact int Σ q_w·q_a over the block's 32
    /// elements, then <c>acc = fma(int, d_w · d_a, acc)</c>, as llama.cpp's Q8_0 dot does. The vector kernels do
    /// exactly these float steps, so they equal this to the bit.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination)
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
                byte* a = activation + (long)b * BlockBytes;
                float activationScale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
                for (int r = 0; r < RowsPerGroup; r++)
                {
                    int isum = 0;
                    for (int j = 0; j < Vectors; j++)
                    for (int k = 0; k < 4; k++)
                        isum += (quants[64 * j + 4 * r + k] - QuantOffset) * (sbyte)a[2 + 4 * j + k];
                    float scale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(scales + 2 * r)) * activationScale;
                    accumulators[r] = MathF.FusedMultiplyAdd(isum, scale, accumulators[r]);
                }
            }
            for (int r = 0; r < RowsPerGroup; r++)
                destination[(long)g * RowsPerGroup + r] = accumulators[r];
        }
    }
}
