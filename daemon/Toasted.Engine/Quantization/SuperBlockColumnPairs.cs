using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Where the columns of a super-block interleaved group (<see cref="Q4_KInterleaved"/>, <see cref="Q6_KInterleaved"/>,
/// <see cref="IQ4_XSInterleaved"/>) sit: one stream of super-block column pairs read front to back, each the two columns'
/// headers in a slot of <see cref="HeaderSlotBytes"/> (five 64-byte lines), then the two columns' quants. The quants of
/// both columns start on a line, and the headers travel in the same stream as the quants they scale, so the hardware
/// prefetchers see one sequential stream per group. When the block count is odd the group ends in half a pair:
/// the last column's header in a slot of <see cref="TailHeaderSlotBytes"/> (three lines), then its quants. A layout
/// with smaller headers passes its own slot sizes (the optional last parameters); the constants fold once inlined.
/// </summary>
internal static unsafe class SuperBlockColumnPairs
{
    /// <summary>Bytes the headers of a pair take, padded to whole lines: two Q4_K headers (2 × 160) or two Q6_K ones (2 × 144 + 32).</summary>
    public const int HeaderSlotBytes = 320;

    /// <summary>Bytes the header of a lone last column takes, padded to whole lines (160 or 144).</summary>
    public const int TailHeaderSlotBytes = 192;

    /// <summary>Bytes of one pair of columns whose quants take <paramref name="quantColumnBytes"/> (a multiple of 64) each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long PairBytes(int quantColumnBytes, int pairSlotBytes = HeaderSlotBytes) => pairSlotBytes + 2L * quantColumnBytes;

    /// <summary>Bytes of a group of <paramref name="blocks"/> columns, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks, int quantColumnBytes, int pairSlotBytes = HeaderSlotBytes, int tailSlotBytes = TailHeaderSlotBytes) =>
        (blocks >> 1) * PairBytes(quantColumnBytes, pairSlotBytes) + (blocks & 1) * (tailSlotBytes + (long)quantColumnBytes);

    /// <summary>The header of column <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int block, int headerColumnBytes, int quantColumnBytes, int pairSlotBytes = HeaderSlotBytes) =>
        group + (block >> 1) * PairBytes(quantColumnBytes, pairSlotBytes) + (block & 1) * headerColumnBytes;

    /// <summary>The quants of column <paramref name="block"/> of a group of <paramref name="blocks"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int blocks, int quantColumnBytes, int pairSlotBytes = HeaderSlotBytes,
        int tailSlotBytes = TailHeaderSlotBytes) =>
        group + (block >> 1) * PairBytes(quantColumnBytes, pairSlotBytes) + ((block | 1) < blocks ? pairSlotBytes : tailSlotBytes)
        + (block & 1) * (long)quantColumnBytes;

    /// <summary>
    /// The quants and the header of column <paramref name="block"/>, after asking for the column's share of the
    /// stream ahead (<see cref="WeightStreamPrefetch.AheadOfSuperBlockColumn"/>): a pair's first column from the
    /// pair's start, which is its header slot, to the end of its quants; the second its quants.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Column(byte* group, int block, int blocks, int headerColumnBytes, int quantColumnBytes, out byte* header,
        int pairSlotBytes = HeaderSlotBytes, int tailSlotBytes = TailHeaderSlotBytes)
    {
        header = Header(group, block, headerColumnBytes, quantColumnBytes, pairSlotBytes);
        byte* quants = Quants(group, block, blocks, quantColumnBytes, pairSlotBytes, tailSlotBytes);
        WeightStreamPrefetch.AheadOfSuperBlockColumn((block & 1) == 0 ? header : quants, quants + quantColumnBytes);
        return quants;
    }
}
