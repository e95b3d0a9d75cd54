using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Where the columns of a K-quant interleaved group (<see cref="Q4_KInterleaved"/>, <see cref="Q6_KInterleaved"/>)
/// sit: one stream of super-block column pairs read front to back, each the two columns' headers in a slot of
/// <see cref="HeaderSlotBytes"/> (five 64-byte lines), then the two columns' quants. The quants of both columns
/// start on a line, and the headers travel in the same stream as the quants they scale, so the hardware
/// prefetchers see one sequential stream per group. When the block count is odd the group ends in half a pair:
/// the last column's header in a slot of <see cref="TailHeaderSlotBytes"/> (three lines), then its quants.
/// </summary>
internal static unsafe class SuperBlockColumnPairs
{
    /// <summary>Bytes the headers of a pair take, padded to whole lines: two Q4_K headers (2 × 160) or two Q6_K ones (2 × 144 + 32).</summary>
    public const int HeaderSlotBytes = 320;

    /// <summary>Bytes the header of a lone last column takes, padded to whole lines (160 or 144).</summary>
    public const int TailHeaderSlotBytes = 192;

    /// <summary>Bytes of one pair of columns whose quants take <paramref name="quantColumnBytes"/> (a multiple of 64) each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long PairBytes(int quantColumnBytes) => HeaderSlotBytes + 2L * quantColumnBytes;

    /// <summary>Bytes of a group of <paramref name="blocks"/> columns, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks, int quantColumnBytes) =>
        (blocks >> 1) * PairBytes(quantColumnBytes) + (blocks & 1) * (TailHeaderSlotBytes + (long)quantColumnBytes);

    /// <summary>The header of column <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int block, int headerColumnBytes, int quantColumnBytes) =>
        group + (block >> 1) * PairBytes(quantColumnBytes) + (block & 1) * headerColumnBytes;

    /// <summary>The quants of column <paramref name="block"/> of a group of <paramref name="blocks"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int blocks, int quantColumnBytes) =>
        group + (block >> 1) * PairBytes(quantColumnBytes) + ((block | 1) < blocks ? HeaderSlotBytes : TailHeaderSlotBytes)
        + (block & 1) * (long)quantColumnBytes;

    /// <summary>
    /// The quants and the header of column <paramref name="block"/>, after asking for the column's share of the
    /// stream ahead (<see cref="WeightStreamPrefetch.AheadOfSuperBlockColumn"/>): a pair's first column from the
    /// pair's start, which is its header slot, to the end of its quants; the second its quants.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Column(byte* group, int block, int blocks, int headerColumnBytes, int quantColumnBytes, out byte* header)
    {
        header = Header(group, block, headerColumnBytes, quantColumnBytes);
        byte* quants = Quants(group, block, blocks, quantColumnBytes);
        WeightStreamPrefetch.AheadOfSuperBlockColumn((block & 1) == 0 ? header : quants, quants + quantColumnBytes);
        return quants;
    }
}
