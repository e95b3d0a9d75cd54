using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q2_K weights regrouped eight rows at a time for matrix × vector, in the element order of <see cref="Q6_KInterleaved"/>
/// and <see cref="Q3_KInterleaved"/> (so that the kernels read Q6_K's activation patterns): one 64-byte load carries codes
/// of all eight rows, the integer sums land in lanes that belong to one row each, and the scales, mins and f16 scales of
/// eight rows arrive together. Codes are the file's 2-bit quants, 0 … 3.
/// <para>
/// A group holds eight consecutive rows of <c>blocks</c> super-blocks as one stream of column pairs (<see cref="SuperBlockColumnPairs"/>):
/// </para>
/// <list type="bullet">
/// <item>codes, <see cref="QuantColumnBytes"/> = 512 bytes per super-block column, <see cref="Q3_KInterleaved"/>'s low bits:
///   element 128h + 32i + 4c + k of row r in bits 2i, 2i + 1 of byte 256h + 32c + 4r + k.</item>
/// <item>headers, <see cref="HeaderColumnBytes"/> = 160 bytes per column: bytes 0–15 the eight rows' f16 d, 16–31 their f16
///   dmin, then the file's scale bytes (scale in the low nibble, min in the high) in pairs, byte 32 + 16p + 2r + t = that
///   of group 2p + t of row r.</item>
/// </list>
/// A pair is 1344 bytes, exactly the file's 2 × 8 × 84; a lone last column 704.
/// </summary>
public static unsafe class Q2_KInterleaved
{
    public const int RowsPerGroup = 8;
    public const int QuantColumnBytes = RowsPerGroup * 64;
    public const int HeaderColumnBytes = 160;
    public const int MinScalesOffset = 16;
    public const int ScalesOffset = 32;

    private const int BlockBytes = Q2_KKernels.BytesPerBlock;
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

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q2_K blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        new Span<byte>(destination, (int)GroupBytes(blocks)).Clear();
        Span<sbyte> quants = stackalloc sbyte[Q2_KKernels.BlockSize];
        for (int b = 0; b < blocks; b++)
        {
            byte* codes = Quants(destination, b, blocks);
            byte* header = Header(destination, b);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(header + 2 * r, Unsafe.ReadUnaligned<ushort>(block + Q2_KKernels.ScaleOffset));
                Unsafe.WriteUnaligned(header + MinScalesOffset + 2 * r, Unsafe.ReadUnaligned<ushort>(block + Q2_KKernels.MinScaleOffset));
                for (int g = 0; g < 16; g++)
                    header[ScalesOffset + 16 * (g / 2) + 2 * r + g % 2] = block[g];
                Q2_KKernels.DecodeQuantsScalar(new ReadOnlySpan<byte>(block, BlockBytes), quants);
                for (int h = 0; h < 2; h++)
                for (int i = 0; i < 4; i++)
                for (int c = 0; c < 8; c++)
                for (int k = 0; k < 4; k++)
                    codes[Q3_KInterleaved.LowByte(h, c, r, k)] |= (byte)(quants[128 * h + 32 * i + 4 * c + k] << (2 * i));
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q2_KInterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/> groups, the eight
    /// rows' dots with one Q8_K activation row of <paramref name="blocks"/> blocks, written to <paramref name="destination"/>[8g + r].
    /// Per row and super-block the exact ints isum = Σ_g scale_g · Σ q · q8 and summs = Σ_g min_g · bsums[g] (those of
    /// <see cref="Q2_KKernels.DotScalar"/>), then <c>sum += (d8 · d) · isum − (d8 · dmin) · summs</c> as there, so each row
    /// equals the one-row dot to the bit; the vector kernels do the same.
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
                    short* bsums = (short*)(a + Q8_KKernels.BlockSumsOffset);
                    int isum = 0, summs = 0;
                    for (int h = 0; h < 2; h++)
                    for (int i = 0; i < 4; i++)
                    for (int half = 0; half < 2; half++)
                    {
                        // Group 8h + 2i + half: dwords 4 · half … 4 · half + 3 of quarter i.
                        int groupSum = 0;
                        for (int c = 4 * half; c < 4 * half + 4; c++)
                        for (int k = 0; k < 4; k++)
                            groupSum += (codes[Q3_KInterleaved.LowByte(h, c, r, k)] >> (2 * i) & 3) * q8[128 * h + 32 * i + 4 * c + k];
                        int packedScale = header[ScalesOffset + 16 * (4 * h + i) + 2 * r + half];
                        isum += (packedScale & 0xF) * groupSum;
                        summs += (packedScale >> 4) * bsums[8 * h + 2 * i + half];
                    }
                    float d8 = Unsafe.ReadUnaligned<float>(a);
                    float dall = d8 * Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + 2 * r));
                    float dmin = d8 * Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + MinScalesOffset + 2 * r));
                    sum += dall * isum - dmin * summs;
                }
                destination[(long)g * RowsPerGroup + r] = sum;
            }
        }
    }
}
