using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_K weights regrouped eight rows at a time for matrix × vector, so that one 64-byte load carries
/// quants of all eight rows, the integer sums land in lanes that belong to one row each (no horizontal
/// sums), and the sub-block scales, mins and f16 scales of eight rows arrive together.
/// <para>
/// A group holds eight consecutive rows of <c>blocks</c> super-blocks as one stream of column pairs, both
/// columns' headers then both columns' quants (<see cref="SuperBlockColumnPairs"/>), so that every quant vector
/// starts on a 64-byte line of an aligned group and the headers travel with the quants they scale:
/// </para>
/// <list type="bullet">
/// <item>quants, <see cref="QuantColumnBytes"/> = 1024 bytes per super-block column: 32 half-vectors of
///   32 bytes; half-vector 8k + c holds, in its 4-byte lane r, bytes 32k + 4c … 32k + 4c + 3 of row r's
///   quants (chunk k of the file block: low nibbles are sub-block 2k, high nibbles sub-block 2k + 1).
///   Read 64 bytes at a time, vector 4k + t covers dword 2t in lanes 0–7 and dword 2t + 1 in lanes 8–15.</item>
/// <item>headers, <see cref="HeaderColumnBytes"/> = 160 bytes per column:
///   bytes 0–15 the eight rows' f16 d, 16–31 their f16 dmin, 32–95 the unpacked 6-bit scales
///   (byte 32 + 8j + r = scale of sub-block j of row r), 96–159 the unpacked mins in pairs
///   (byte 96 + 16p + 2r + t = min of sub-block 2p + t of row r).</item>
/// </list>
/// A pair is 2368 bytes against the file's 2 × 8 × 144 = 2304 (+2.8 %); a lone last column 1216.
/// </summary>
public static unsafe class Q4_KInterleaved
{
    public const int RowsPerGroup = 8;
    public const int QuantColumnBytes = RowsPerGroup * 128;
    public const int HeaderColumnBytes = 160;
    public const int MinScalesOffset = 16;
    public const int ScalesOffset = 32;
    public const int MinsOffset = 96;

    private const int BlockBytes = Q4_KKernels.BytesPerBlock;
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

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q4_K blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
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
                WriteHeaderRow(block, r, header);
                for (int k = 0; k < 4; k++)
                for (int c = 0; c < 8; c++)
                    Unsafe.WriteUnaligned(quants + 32 * (8 * k + c) + 4 * r,
                        Unsafe.ReadUnaligned<uint>(block + Q4_KKernels.QuantsOffset + 32 * k + 4 * c));
            }
        }
    }

    /// <summary>
    /// Row <paramref name="row"/>'s part of a column header from its file block, whose first sixteen bytes are f16 d,
    /// f16 dmin and the twelve packed scale and min bytes (Q4_K's, and Q5_K's, header).
    /// </summary>
    internal static void WriteHeaderRow(byte* block, int row, byte* header)
    {
        Span<byte> scales = stackalloc byte[8];
        Span<byte> mins = stackalloc byte[8];
        Unsafe.WriteUnaligned(header + 2 * row, Unsafe.ReadUnaligned<ushort>(block));
        Unsafe.WriteUnaligned(header + MinScalesOffset + 2 * row, Unsafe.ReadUnaligned<ushort>(block + Q4_KKernels.MinScaleOffset));
        Q4_KKernels.DecodeScalesAndMins(ref block[Q4_KKernels.ScalesOffset], scales, mins);
        for (int j = 0; j < 8; j++)
        {
            header[ScalesOffset + 8 * j + row] = scales[j];
            header[MinsOffset + 16 * (j / 2) + 2 * row + j % 2] = mins[j];
        }
    }

    /// <summary>
    /// Row <paramref name="row"/>'s float steps for one column, after its exact ints: <c>scaled = fma(isum, d · d8, scaled)</c>
    /// and <c>offsets = fma(−imins, dmin · d8, offsets)</c>, with imins = Σ_j min_j · (bsums[2j] + bsums[2j+1]).
    /// </summary>
    internal static void AddColumnScalar(byte* header, int row, int isum, byte* activationBlock, ref float scaled, ref float offsets)
    {
        short* blockSums = (short*)(activationBlock + Q8_KKernels.BlockSumsOffset);
        float activationScale = Unsafe.ReadUnaligned<float>(activationBlock);
        int imins = 0;
        for (int j = 0; j < 8; j++)
            imins += header[MinsOffset + 16 * (j / 2) + 2 * row + j % 2] * (blockSums[2 * j] + blockSums[2 * j + 1]);
        float d = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + 2 * row)) * activationScale;
        float dmin = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(header + MinScalesOffset + 2 * row)) * activationScale;
        scaled = MathF.FusedMultiplyAdd(isum, d, scaled);
        offsets = MathF.FusedMultiplyAdd(-imins, dmin, offsets);
    }

    /// <summary>
    /// The reference for <see cref="Q4_KInterleavedKernels.DotGroups"/>: for each of <paramref name="groups"/>
    /// groups, the eight rows' dots with one Q8_K activation row of <paramref name="blocks"/> blocks, written to
    /// <paramref name="destination"/>[8g + r]. Per row and super-block: the exact ints
    /// isum = Σ_j scale_j · Σ q·q8 and imins = Σ_j min_j · (bsums[2j] + bsums[2j+1]) (those of
    /// <see cref="Q4_KKernels.DotScalar"/>), then <c>scaled = fma(isum, d · d8, scaled)</c> and
    /// <c>offsets = fma(−imins, dmin · d8, offsets)</c>; a row's result is scaled + offsets.
    /// The vector kernels do exactly these float steps, so they equal this to the bit.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        DotGroupsScalar(packed, groups, blocks, activation, destination, QuantColumnBytes, withFifthBits: false);

    /// <summary>
    /// The twin for this layout (<paramref name="withFifthBits"/> false) and for <see cref="Q5_KInterleaved"/>'s (true), whose
    /// columns of <paramref name="quantColumnBytes"/> keep row r's qh bytes 4c … 4c + 3 at
    /// <see cref="Q5_KInterleaved.HighBitsOffset"/> + 32c + 4r: bit s of qh byte l above the nibble of element l of sub-block s.
    /// </summary>
    internal static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination, int quantColumnBytes, bool withFifthBits)
    {
        Span<float> scaled = stackalloc float[RowsPerGroup];
        Span<float> offsets = stackalloc float[RowsPerGroup];
        long groupBytes = SuperBlockColumnPairs.GroupBytes(blocks, quantColumnBytes);
        for (int g = 0; g < groups; g++)
        {
            byte* group = packed + g * groupBytes;
            scaled.Clear();
            offsets.Clear();
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = SuperBlockColumnPairs.Quants(group, b, blocks, quantColumnBytes);
                byte* header = SuperBlockColumnPairs.Header(group, b, HeaderColumnBytes, quantColumnBytes);
                byte* a = activation + (long)b * ActivationBlockBytes;
                sbyte* q8 = (sbyte*)(a + Q8_KKernels.QuantsOffset);
                for (int r = 0; r < RowsPerGroup; r++)
                {
                    int isum = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        int low = 0, high = 0;
                        for (int l = 0; l < 32; l++)
                        {
                            int lane = 4 * r + l % 4;
                            int packedByte = quants[32 * (8 * k + l / 4) + lane];
                            int fifthBits = withFifthBits ? quants[Q5_KInterleaved.HighBitsOffset + 32 * (l / 4) + lane] : 0;
                            low += ((packedByte & 0xF) | (((fifthBits >> (2 * k)) & 1) << 4)) * q8[64 * k + l];
                            high += ((packedByte >> 4) | (((fifthBits >> (2 * k + 1)) & 1) << 4)) * q8[64 * k + 32 + l];
                        }
                        isum += header[ScalesOffset + 8 * (2 * k) + r] * low + header[ScalesOffset + 8 * (2 * k + 1) + r] * high;
                    }
                    AddColumnScalar(header, r, isum, a, ref scaled[r], ref offsets[r]);
                }
            }
            for (int r = 0; r < RowsPerGroup; r++)
                destination[(long)g * RowsPerGroup + r] = scaled[r] + offsets[r];
        }
    }
}
