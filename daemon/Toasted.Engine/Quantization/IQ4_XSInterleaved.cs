using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// IQ4_XS weights regrouped eight rows at a time for matrix × vector, as <see cref="Q4_KInterleaved"/> does for Q4_K:
/// one 64-byte load carries codes of all eight rows, the integer sums land in lanes that belong to one row each (no
/// horizontal sums), and the sub-block scales and f16 scales of eight rows arrive together.
/// <para>
/// A group holds eight consecutive rows of <c>blocks</c> super-blocks as one stream of column pairs, both columns'
/// headers then both columns' codes (<see cref="SuperBlockColumnPairs"/>, with header slots of three lines a pair and
/// two for a lone last column):
/// </para>
/// <list type="bullet">
/// <item>codes, <see cref="QuantColumnBytes"/> = 1024 bytes per super-block column, in <see cref="Q4_KInterleaved"/>'s
///   arrangement: half-vector 8k + c holds, in its 4-byte lane r, bytes 4c … 4c + 3 of row r's chunk k, a chunk being
///   32 bytes whose low nibbles are the codes of sub-block 2k (elements 0–31 in order) and whose high nibbles those of
///   sub-block 2k + 1. (The file keeps each sub-block in 16 bytes, elements 0–15 low and 16–31 high; the repack moves
///   the nibbles so that both layouts meet the same activation patterns.)</item>
/// <item>headers, <see cref="HeaderColumnBytes"/> = 80 bytes per column: bytes 0–15 the eight rows' f16 d, then the
///   signed sub-block scales ls − 32 in pairs (byte 16 + 16p + 2r + t = scale of sub-block 2p + t of row r), the
///   arrangement of <see cref="Q6_KInterleaved"/>'s group scales.</item>
/// </list>
/// A pair is 2240 bytes against the file's 2 × 8 × 136 = 2176 (+2.9 %); a lone last column 1152.
/// </summary>
public static unsafe class IQ4_XSInterleaved
{
    public const int RowsPerGroup = 8;
    public const int QuantColumnBytes = RowsPerGroup * 128;
    public const int HeaderColumnBytes = 16 + 64;
    public const int ScalesOffset = 16;

    /// <summary>Two 80-byte headers, padded to three lines.</summary>
    private const int PairSlotBytes = 192;

    /// <summary>One 80-byte header, padded to two lines.</summary>
    private const int TailSlotBytes = 128;

    private const int BlockBytes = IQ4_XSKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;

    /// <summary>Bytes of one group of eight rows of <paramref name="blocks"/> super-blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => SuperBlockColumnPairs.GroupBytes(blocks, QuantColumnBytes, PairSlotBytes, TailSlotBytes);

    /// <summary>The header of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int block) =>
        SuperBlockColumnPairs.Header(group, block, HeaderColumnBytes, QuantColumnBytes, PairSlotBytes);

    /// <summary>The codes of column <paramref name="block"/> in a group of <paramref name="blocks"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int blocks) =>
        SuperBlockColumnPairs.Quants(group, block, blocks, QuantColumnBytes, PairSlotBytes, TailSlotBytes);

    /// <summary>Column <paramref name="block"/> as a kernel enters it: <see cref="SuperBlockColumnPairs.Column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Column(byte* group, int block, int blocks, out byte* header) =>
        SuperBlockColumnPairs.Column(group, block, blocks, HeaderColumnBytes, QuantColumnBytes, out header, PairSlotBytes, TailSlotBytes);

    /// <summary>Regroups eight rows of <paramref name="blocks"/> IQ4_XS blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        new Span<byte>(destination, (int)GroupBytes(blocks)).Clear();
        byte* chunks = stackalloc byte[128];
        for (int b = 0; b < blocks; b++)
        {
            byte* quants = Quants(destination, b, blocks);
            byte* header = Header(destination, b);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(header + 2 * r, Unsafe.ReadUnaligned<ushort>(block));
                for (int s = 0; s < 8; s++)
                    header[ScalesOffset + 16 * (s / 2) + 2 * r + s % 2] = (byte)IQ4_XSKernels.SubBlockScale(ref *block, s);
                for (int k = 0; k < 4; k++)
                for (int i = 0; i < 32; i++)
                    chunks[32 * k + i] = (byte)(Code(block, 2 * k, i) | Code(block, 2 * k + 1, i) << 4);
                for (int k = 0; k < 4; k++)
                for (int c = 0; c < 8; c++)
                    Unsafe.WriteUnaligned(quants + 32 * (8 * k + c) + 4 * r, Unsafe.ReadUnaligned<uint>(chunks + 32 * k + 4 * c));
            }
        }
    }

    /// <summary>The 4-bit code of element <paramref name="element"/> of sub-block <paramref name="subBlock"/> in a file block.</summary>
    private static int Code(byte* block, int subBlock, int element)
    {
        byte packed = block[IQ4_XSKernels.QuantsOffset + 16 * subBlock + element % 16];
        return element < 16 ? packed & 0xF : packed >> 4;
    }

    /// <summary>
    /// The reference for <see cref="IQ4_XSInterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/> groups, the
    /// eight rows' dots with one Q8_K activation row of <paramref name="blocks"/> blocks, written to
    /// <paramref name="destination"/>[8g + r]. Per row and super-block the exact int isum = Σ_s (ls_s − 32) · Σ level·q8
    /// (that of <see cref="IQ4_XSKernels.DotScalar"/>), then <c>sum += (d · d8) · isum</c>, as that one-row dot does, so
    /// each row equals it to the bit; the vector kernels do the same float steps.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination)
    {
        var levels = Iq4NonLinearValues.Levels;
        long groupBytes = GroupBytes(blocks);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            for (int r = 0; r < RowsPerGroup; r++)
            {
                float sum = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* quants = Quants(group, b, blocks);
                    byte* header = Header(group, b);
                    byte* a = activation + (long)b * ActivationBlockBytes;
                    sbyte* q8 = (sbyte*)(a + Q8_KKernels.QuantsOffset);
                    int isum = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        int low = 0, high = 0;
                        for (int l = 0; l < 32; l++)
                        {
                            int packedByte = quants[32 * (8 * k + l / 4) + 4 * r + l % 4];
                            low += levels[packedByte & 0xF] * q8[64 * k + l];
                            high += levels[packedByte >> 4] * q8[64 * k + 32 + l];
                        }
                        isum += (sbyte)header[ScalesOffset + 16 * k + 2 * r] * low + (sbyte)header[ScalesOffset + 16 * k + 2 * r + 1] * high;
                    }
                    sum += Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + 2 * r)) * Unsafe.ReadUnaligned<float>(a) * isum;
                }
                destination[(long)g * RowsPerGroup + r] = sum;
            }
        }
    }
}
