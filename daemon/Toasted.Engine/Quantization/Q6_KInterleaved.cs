using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q6_K weights regrouped eight rows at a time for matrix × vector, as <see cref="Q4_KInterleaved"/> does for
/// Q4_K: one 64-byte load carries quants of all eight rows, integer sums land in lanes that belong to
/// one row each, and the group scales and f16 scales of eight rows arrive together.
/// <para>
/// A group holds eight consecutive rows of <c>blocks</c> super-blocks as one stream of column pairs, both
/// columns' headers then both columns' quants (<see cref="SuperBlockColumnPairs"/>):
/// </para>
/// <list type="bullet">
/// <item>quants, <see cref="QuantColumnBytes"/> = 1536 bytes per super-block column: per half h of the
///   super-block (elements 128h …), three planes of eight half-vectors of 32 bytes; half-vector 24h + 8p + c
///   holds in its 4-byte lane r elements 128h + 32p + 4c … + 3 of row r, one byte each: the element's whole
///   6-bit quant in bits 0–5 and, in bits 6–7, bits 2p and 2p + 1 of the quant at the same place of the
///   half's last quarter (element 128h + 96 + 4c …). Read 64 bytes at a time, a vector covers dword 2t in lanes 0–7
///   and dword 2t + 1 in lanes 8–15.</item>
/// <item>headers, <see cref="HeaderColumnBytes"/> = 144 bytes per column:
///   bytes 0–15 the eight rows' f16 d, then the int8 group scales in pairs
///   (byte 16 + 16p + 2r + t = scale of group 2p + t of row r).</item>
/// </list>
/// The file splits each quant into a nibble of ql and two bits of qh, so reading it takes two shifts, two
/// masks and an or per quant vector. Here three of a half's four quarters are one mask each, and the fourth
/// gathers its three bit pairs from the planes' tops (three per-byte moves and an or), about a third of the
/// work for the same bytes. A pair is 3392 bytes against the file's 2 × 8 × 210 = 3360 (+1 %); a lone last
/// column 1728.
/// </summary>
public static unsafe class Q6_KInterleaved
{
    public const int RowsPerGroup = 8;
    public const int QuantColumnBytes = RowsPerGroup * 192;

    /// <summary>Bytes of one plane of a half: eight 32-byte half-vectors.</summary>
    public const int PlaneBytes = 256;

    /// <summary>Bytes of one half of a super-block column: three planes.</summary>
    public const int HalfBytes = 3 * PlaneBytes;
    public const int HeaderColumnBytes = RowsPerGroup * 18;
    public const int ScalesOffset = 16;

    private const int BlockBytes = Q6_KKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;

    /// <summary>Bytes of one group of eight rows of <paramref name="blocks"/> super-blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => SuperBlockColumnPairs.GroupBytes(blocks, QuantColumnBytes);

    /// <summary>The header of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int block) => SuperBlockColumnPairs.Header(group, block, HeaderColumnBytes, QuantColumnBytes);

    /// <summary>The quants of column <paramref name="block"/> in a group of <paramref name="blocks"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int blocks) => SuperBlockColumnPairs.Quants(group, block, blocks, QuantColumnBytes);

    /// <summary>Column <paramref name="block"/> as a kernel enters it: <see cref="SuperBlockColumnPairs.Column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Column(byte* group, int block, int blocks, out byte* header) =>
        SuperBlockColumnPairs.Column(group, block, blocks, HeaderColumnBytes, QuantColumnBytes, out header);

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q6_K blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        new Span<byte>(destination, (int)GroupBytes(blocks)).Clear();
        for (int b = 0; b < blocks; b++)
        {
            byte* quants = Quants(destination, b, blocks);
            byte* header = Header(destination, b);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(header + 2 * r, Unsafe.ReadUnaligned<ushort>(block + Q6_KKernels.ScaleOffset));
                for (int g = 0; g < 16; g++)
                    header[ScalesOffset + 16 * (g / 2) + 2 * r + g % 2] = block[Q6_KKernels.ScalesOffset + g];
                for (int h = 0; h < 2; h++)
                for (int p = 0; p < 3; p++)
                for (int e = 0; e < 32; e++)
                {
                    int element = 128 * h + 32 * p + e;
                    int top = (FileQuant(block, 128 * h + 96 + e) >> (2 * p)) & 3;
                    quants[h * HalfBytes + p * PlaneBytes + 32 * (e / 4) + 4 * r + e % 4] = (byte)(FileQuant(block, element) | top << 6);
                }
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q6_KInterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/>
    /// groups, the eight rows' dots with one Q8_K activation row of <paramref name="blocks"/> blocks, written to
    /// <paramref name="destination"/>[8g + r]. Per row and super-block the exact int
    /// isum = Σ_g scale_g · Σ (q − 32)·q8 (that of <see cref="Q6_KKernels.DotScalar"/>), then
    /// <c>sum = fma(isum, d · d8, sum)</c>. The vector kernels do exactly these float steps, so they equal this to the bit.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination)
    {
        Span<float> sums = stackalloc float[RowsPerGroup];
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * GroupBytes(blocks);
            sums.Clear();
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = Quants(group, b, blocks);
                byte* header = Header(group, b);
                byte* a = activation + (long)b * ActivationBlockBytes;
                sbyte* q8 = (sbyte*)(a + Q8_KKernels.QuantsOffset);
                float activationScale = Unsafe.ReadUnaligned<float>(a);
                for (int r = 0; r < RowsPerGroup; r++)
                {
                    int isum = 0;
                    for (int group16 = 0; group16 < 16; group16++)
                    {
                        int groupSum = 0;
                        for (int e = 16 * group16; e < 16 * group16 + 16; e++)
                            groupSum += (Quant(quants, r, e) - 32) * q8[e];
                        isum += (sbyte)header[ScalesOffset + 16 * (group16 / 2) + 2 * r + group16 % 2] * groupSum;
                    }
                    float d = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + 2 * r)) * activationScale;
                    sums[r] = MathF.FusedMultiplyAdd(isum, d, sums[r]);
                }
            }
            for (int r = 0; r < RowsPerGroup; r++)
                destination[(long)g * RowsPerGroup + r] = sums[r];
        }
    }

    /// <summary>The unsigned 6-bit quant of element <paramref name="element"/> of row <paramref name="row"/>, read from a quant column.</summary>
    private static int Quant(byte* quants, int row, int element)
    {
        int h = element / 128, quarter = element % 128 / 32, e = element % 32;
        byte* half = quants + h * HalfBytes + 32 * (e / 4) + 4 * row + e % 4;
        if (quarter < 3) return half[quarter * PlaneBytes] & 0x3F;
        return half[0] >> 6 | half[PlaneBytes] >> 6 << 2 | half[2 * PlaneBytes] >> 6 << 4;
    }

    /// <summary>
    /// The unsigned 6-bit quant of element <paramref name="element"/> of a Q6_K block as the file stores it: quarter
    /// q of half h (elements 128h + 32q + l) is nibble q / 2 of ql byte 32(2h + q mod 2) + l, under bits 2q and
    /// 2q + 1 of qh byte 32h + l.
    /// </summary>
    private static int FileQuant(byte* block, int element)
    {
        int h = element / 128, quarter = element % 128 / 32, l = element % 32;
        int low = block[32 * (2 * h + quarter % 2) + l] >> (4 * (quarter / 2)) & 0xF;
        int high = block[Q6_KKernels.HighBitsOffset + 32 * h + l] >> (2 * quarter) & 3;
        return low | high << 4;
    }
}
