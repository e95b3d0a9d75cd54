using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_0 weights regrouped eight rows at a time for matrix × vector, so that one 64-byte load carries
/// quants of all eight rows and the integer sums land in lanes that belong to one row each: no
/// horizontal sums per block, and the eight scales of a block column convert in one vector.
/// <para>
/// A group holds eight consecutive rows, block column after block column; one column is
/// <see cref="ColumnBytes"/> = 144 bytes (the same as the eight original blocks):
/// </para>
/// <list type="bullet">
/// <item>bytes 0–15: the eight rows' f16 scales, in row order;</item>
/// <item>bytes 16–79 (vector 0) and 80–143 (vector 1): sixteen 4-byte lanes. Lane i of vector v holds packed
///   bytes 4j … 4j+3 of row i mod 8, with j = 2v + i / 8. Their low nibbles are the block's elements 4j … 4j+3,
///   their high nibbles elements 16+4j … 16+4j+3.</item>
/// </list>
/// Lanes 0–7 of both vectors together cover elements {0–3, 8–11, 16–19, 24–27} of each row, lanes 8–15 the
/// other half: a row's dot is its lane r plus its lane r + 8.
/// </summary>
public static unsafe class Q4_0Interleaved
{
    public const int RowsPerGroup = 8;
    public const int Lanes = 16;
    public const int ColumnBytes = RowsPerGroup * Q4_0Kernels.BytesPerBlock;
    /// <summary>Offset of vector 0 in a column; vector 1 follows 64 bytes later.</summary>
    public const int QuantsOffset = 2 * RowsPerGroup;

    private const int BlockBytes = Q4_0Kernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;

    /// <summary>Bytes of the interleaved form of <paramref name="groups"/> groups of rows of <paramref name="blocks"/> blocks.</summary>
    public static long Bytes(long groups, int blocks) => groups * blocks * ColumnBytes;

    /// <summary>The packed byte index j (0–3) that lane <paramref name="lane"/> of vector <paramref name="vector"/> takes from its row.</summary>
    public static int PackedGroup(int vector, int lane) => 2 * vector + lane / RowsPerGroup;

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q4_0 blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        for (int b = 0; b < blocks; b++)
        {
            byte* column = destination + (long)b * ColumnBytes;
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(column + 2 * r, Unsafe.ReadUnaligned<ushort>(block));
            }
            for (int v = 0; v < 2; v++)
            for (int lane = 0; lane < Lanes; lane++)
            {
                byte* block = rows + (lane % RowsPerGroup) * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(column + QuantsOffset + 64 * v + 4 * lane,
                    Unsafe.ReadUnaligned<uint>(block + 2 + 4 * PackedGroup(v, lane)));
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q4_0InterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/>
    /// groups, the eight rows' dots with one Q8_0 activation row of <paramref name="blocks"/> blocks, written to
    /// <paramref name="destination"/>[8g + r]. Per row and block: the exact int Σ (nibble − 8)·q8 over the
    /// block's 32 elements (lanes r and r + 8 together), then <c>acc = fma(int, d_w · d_a, acc)</c>, as
    /// llama.cpp's Q4_0 dot does. The vector kernels do exactly these float steps, so they equal this to the bit.
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
                byte* a = activation + (long)b * ActivationBlockBytes;
                float activationScale = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a));
                for (int r = 0; r < RowsPerGroup; r++)
                {
                    int isum = 0;
                    for (int lane = r; lane < Lanes; lane += RowsPerGroup)
                    for (int v = 0; v < 2; v++)
                    {
                        int j = PackedGroup(v, lane);
                        byte* quants = column + QuantsOffset + 64 * v + 4 * lane;
                        for (int k = 0; k < 4; k++)
                        {
                            isum += ((quants[k] & 0xF) - 8) * (sbyte)a[2 + 4 * j + k];
                            isum += ((quants[k] >> 4) - 8) * (sbyte)a[2 + 16 + 4 * j + k];
                        }
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
