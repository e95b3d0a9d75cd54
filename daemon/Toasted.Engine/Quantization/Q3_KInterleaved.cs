using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q3_K weights regrouped eight rows at a time for matrix × vector, in the element order of <see cref="Q6_KInterleaved"/>
/// (so that the kernels read Q6_K's activation patterns and header): one 64-byte load carries codes of all eight rows, the
/// integer sums land in lanes that belong to one row each, and the group scales and f16 scales of eight rows arrive together.
/// A code is the quant plus 4 (low2 | high &lt;&lt; 2, 0 … 7).
/// <para>
/// A group holds eight consecutive rows of <c>blocks</c> super-blocks as one stream of column pairs (<see cref="SuperBlockColumnPairs"/>):
/// </para>
/// <list type="bullet">
/// <item>codes, <see cref="QuantColumnBytes"/> = 768 bytes per super-block column. Element 128h + 32i + 4c + k of row r
///   (half h, quarter i, dword c of the quarter, byte k) has its two low bits in bits 2i, 2i + 1 of byte
///   256h + 32c + 4r + k, so the 64-byte vector at 256h + 64t holds the four quarters of dwords 2t (lanes 0–7) and
///   2t + 1 (lanes 8–15), each one mask or bit move away; and its high bit in bit 4 · ((c / 2) mod 2) + i of byte
///   512 + 128h + 64 · (c / 4) + 32 · (c mod 2) + 4r + k, so the 64-byte vector at 512 + 128h + 64u holds, in its eight
///   bits, the high bits of the eight code vectors t = 2u, 2u + 1 × four quarters, each one bit move away.</item>
/// <item>headers, <see cref="HeaderColumnBytes"/> = 144 bytes per column, <see cref="Q6_KInterleaved"/>'s: bytes 0–15 the
///   eight rows' f16 d, then the signed group scales (ls − 32) in pairs, byte 16 + 16p + 2r + t = scale of group 2p + t of row r.</item>
/// </list>
/// A pair is 1856 bytes against the file's 2 × 8 × 110 = 1760 (+5.5 %: the sixteen 6-bit scales of a row widen to bytes);
/// a lone last column 960.
/// </summary>
public static unsafe class Q3_KInterleaved
{
    public const int RowsPerGroup = 8;
    public const int QuantColumnBytes = RowsPerGroup * 96;
    public const int HighBitsOffset = RowsPerGroup * 64;
    public const int HeaderColumnBytes = Q6_KInterleaved.HeaderColumnBytes;
    public const int ScalesOffset = Q6_KInterleaved.ScalesOffset;

    private const int BlockBytes = Q3_KKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;

    /// <summary>Bytes of one group of eight rows of <paramref name="blocks"/> super-blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => SuperBlockColumnPairs.GroupBytes(blocks, QuantColumnBytes);

    /// <summary>The header of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int block) => SuperBlockColumnPairs.Header(group, block, HeaderColumnBytes, QuantColumnBytes);

    /// <summary>The codes of column <paramref name="block"/> in a group of <paramref name="blocks"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int blocks) => SuperBlockColumnPairs.Quants(group, block, blocks, QuantColumnBytes);

    /// <summary>Column <paramref name="block"/> as a kernel enters it: <see cref="SuperBlockColumnPairs.Column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Column(byte* group, int block, int blocks, out byte* header) =>
        SuperBlockColumnPairs.Column(group, block, blocks, HeaderColumnBytes, QuantColumnBytes, out header);

    /// <summary>The byte that holds the low bits of element 128h + 32i + 4c + k of row r, in bits 2i, 2i + 1 (also <see cref="Q2_KInterleaved"/>'s codes).</summary>
    internal static int LowByte(int h, int c, int r, int k) => 256 * h + 32 * c + 4 * r + k;

    private static int HighByte(int h, int c, int r, int k) => HighBitsOffset + 128 * h + 64 * (c / 4) + 32 * (c % 2) + 4 * r + k;

    private static int HighBit(int c, int i) => 4 * (c / 2 % 2) + i;

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q3_K blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        new Span<byte>(destination, (int)GroupBytes(blocks)).Clear();
        Span<sbyte> quants = stackalloc sbyte[Q3_KKernels.BlockSize];
        Span<short> scales = stackalloc short[16];
        for (int b = 0; b < blocks; b++)
        {
            byte* codes = Quants(destination, b, blocks);
            byte* header = Header(destination, b);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(header + 2 * r, Unsafe.ReadUnaligned<ushort>(block + Q3_KKernels.ScaleOffset));
                Q3_KKernels.DecodeScales(ref block[Q3_KKernels.ScalesOffset], ref scales[0]);
                for (int g = 0; g < 16; g++)
                    header[ScalesOffset + 16 * (g / 2) + 2 * r + g % 2] = (byte)(sbyte)scales[g];
                Q3_KKernels.DecodeQuantsScalar(new ReadOnlySpan<byte>(block, BlockBytes), quants);
                for (int h = 0; h < 2; h++)
                for (int i = 0; i < 4; i++)
                for (int c = 0; c < 8; c++)
                for (int k = 0; k < 4; k++)
                {
                    int code = quants[128 * h + 32 * i + 4 * c + k] + 4;
                    codes[LowByte(h, c, r, k)] |= (byte)((code & 3) << (2 * i));
                    codes[HighByte(h, c, r, k)] |= (byte)((code >> 2) << HighBit(c, i));
                }
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q3_KInterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/> groups, the eight
    /// rows' dots with one Q8_K activation row of <paramref name="blocks"/> blocks, written to <paramref name="destination"/>[8g + r].
    /// Per row and super-block the exact int isum = Σ_g scale_g · Σ (code − 4) · q8 (that of <see cref="Q3_KKernels.DotScalar"/>),
    /// then <c>sum += (d · d8) · isum</c> as there, so each row equals the one-row dot to the bit; the vector kernels do the same.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination)
    {
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * GroupBytes(blocks);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                float sum = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* codes = Quants(group, b, blocks);
                    byte* header = Header(group, b);
                    byte* a = activation + (long)b * ActivationBlockBytes;
                    sbyte* q8 = (sbyte*)(a + Q8_KKernels.QuantsOffset);
                    int isum = 0;
                    for (int h = 0; h < 2; h++)
                    for (int i = 0; i < 4; i++)
                    for (int half = 0; half < 2; half++)
                    {
                        // Group 8h + 2i + half: dwords 4 · half … 4 · half + 3 of quarter i.
                        int groupSum = 0;
                        for (int c = 4 * half; c < 4 * half + 4; c++)
                        for (int k = 0; k < 4; k++)
                        {
                            int code = (codes[LowByte(h, c, r, k)] >> (2 * i) & 3) | (codes[HighByte(h, c, r, k)] >> HighBit(c, i) & 1) << 2;
                            groupSum += (code - 4) * q8[128 * h + 32 * i + 4 * c + k];
                        }
                        int pair = 4 * h + i;
                        isum += (sbyte)header[ScalesOffset + 16 * pair + 2 * r + half] * groupSum;
                    }
                    sum += Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + 2 * r)) * Unsafe.ReadUnaligned<float>(a) * isum;
                }
                destination[(long)g * RowsPerGroup + r] = sum;
            }
        }
    }
}
