using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q8_0 weights regrouped eight rows at a time for matrix × vector, so that the integer sums of each row land in
/// lanes of their own (as in <see cref="Q4_0Interleaved"/>): one column of eight blocks is <see cref="ColumnBytes"/> = 272 bytes (as in the file):
/// <list type="bullet">
/// <item>bytes 0–15: the eight rows' f16 scales, in row order;</item>
/// <item>then four 64-byte vectors of sixteen 4-byte lanes: lane i of vector v holds quants 4j … 4j+3 of
///   row i mod 8, with j = 2v + i / 8, each stored as the unsigned byte q + 128 (<see cref="QuantOffset"/>),
///   the operand form <c>vpdpbusd</c> takes; the kernels subtract 128 · Σ q_a per block.</item>
/// </list>
/// Lanes 0–7 cover the even groups of four (elements 0–3, 8–11, …) of each row, lanes 8–15 the odd ones; a
/// row's block dot is its lane r plus its lane r + 8.
/// </summary>
public static unsafe class Q8_0Interleaved
{
    public const int RowsPerGroup = 8;
    public const int Lanes = 16;
    public const int Vectors = 4;
    public const int ColumnBytes = RowsPerGroup * Q8_0Kernels.BytesPerBlock;
    /// <summary>Offset of vector 0 in a column; vector v starts 64·v bytes later.</summary>
    public const int QuantsOffset = 2 * RowsPerGroup;
    /// <summary>What each stored quant carries on top of its value (stored as <c>q ^ 0x80</c>, which is q + 128 as a byte).</summary>
    public const int QuantOffset = 128;

    private const int BlockBytes = Q8_0Kernels.BytesPerBlock;

    /// <summary>The group of four quants (0–7) that lane <paramref name="lane"/> of vector <paramref name="vector"/> takes from its row.</summary>
    public static int QuantGroup(int vector, int lane) => 2 * vector + lane / RowsPerGroup;

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q8_0 blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* column = destination + (long)b * ColumnBytes;
            for (int r = 0; r < RowsPerGroup; r++)
                Unsafe.WriteUnaligned(column + 2 * r, Unsafe.ReadUnaligned<ushort>(rows + r * rowBytes + (long)b * BlockBytes));
            for (int v = 0; v < Vectors; v++)
            for (int lane = 0; lane < Lanes; lane++)
            {
                byte* block = rows + (lane % RowsPerGroup) * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(column + QuantsOffset + 64 * v + 4 * lane, Unsafe.ReadUnaligned<uint>(block + 2 + 4 * QuantGroup(v, lane)) ^ 0x80808080u);
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q8_0InterleavedKernels.DotGroups"/>: per row and block the exact int
    /// Σ q_w·q_a over the block's 32 elements (lanes r and r + 8 together), then <c>acc = fma(int, d_w · d_a, acc)</c>,
    /// as llama.cpp's Q8_0 dot does, written to <paramref name="destination"/>[8g + r].
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination)
    {
        Span<float> accumulators = stackalloc float[RowsPerGroup];
        for (int g = 0; g < groups; g++)
        {
            accumulators.Clear();
            for (int b = 0; b < blocks; b++)
            {
                byte* column = packed + ((long)g * blocks + b) * ColumnBytes;
                byte* a = activation + (long)b * BlockBytes;
                float activationScale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
                for (int r = 0; r < RowsPerGroup; r++)
                {
                    int isum = 0;
                    for (int lane = r; lane < Lanes; lane += RowsPerGroup)
                    for (int v = 0; v < Vectors; v++)
                    {
                        int j = QuantGroup(v, lane);
                        byte* quants = column + QuantsOffset + 64 * v + 4 * lane;
                        for (int k = 0; k < 4; k++) isum += (quants[k] - QuantOffset) * (sbyte)a[2 + 4 * j + k];
                    }
                    float scale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(column + 2 * r)) * activationScale;
                    accumulators[r] = MathF.FusedMultiplyAdd(isum, scale, accumulators[r]);
                }
            }
            for (int r = 0; r < RowsPerGroup; r++)
                destination[(long)g * RowsPerGroup + r] = accumulators[r];
        }
    }
}
