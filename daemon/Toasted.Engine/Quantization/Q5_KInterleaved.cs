using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q5_K weights regrouped eight rows at a time for matrix × vector: <see cref="Q4_KInterleaved"/>'s layout (the same
/// headers and the same 1024 bytes of nibbles per super-block column) with the rows' fifth bits after the nibbles.
/// <list type="bullet">
/// <item>quants, <see cref="QuantColumnBytes"/> = 1280 bytes per super-block column: bytes 0–1023 the nibbles as in
///   <see cref="Q4_KInterleaved"/>; then <see cref="HighBitsOffset"/> + 32c + 4r … + 3 hold bytes 4c … 4c + 3 of row r's
///   qh (bit s of qh[l] is the fifth bit of element l of sub-block s). Read 64 bytes at a time, fifth-bit vector t
///   lines up lane for lane with nibble vector 4k + t of every chunk k.</item>
/// <item>headers, 160 bytes per column, as <see cref="Q4_KInterleaved"/>'s (Q5_K's header is Q4_K's).</item>
/// </list>
/// A pair is 2880 bytes against the file's 2 × 8 × 176 = 2816 (+2.3 %).
/// </summary>
public static unsafe class Q5_KInterleaved
{
    public const int RowsPerGroup = 8;
    public const int HighBitsOffset = Q4_KInterleaved.QuantColumnBytes;
    public const int QuantColumnBytes = HighBitsOffset + RowsPerGroup * 32;

    private const int BlockBytes = Q5_KKernels.BytesPerBlock;

    /// <summary>Bytes of one group of eight rows of <paramref name="blocks"/> super-blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => SuperBlockColumnPairs.GroupBytes(blocks, QuantColumnBytes);

    /// <summary>The header of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int block) =>
        SuperBlockColumnPairs.Header(group, block, Q4_KInterleaved.HeaderColumnBytes, QuantColumnBytes);

    /// <summary>The quants of column <paramref name="block"/> in a group of <paramref name="blocks"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int blocks) => SuperBlockColumnPairs.Quants(group, block, blocks, QuantColumnBytes);

    /// <summary>Column <paramref name="block"/> as a kernel enters it: <see cref="SuperBlockColumnPairs.Column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Column(byte* group, int block, int blocks, out byte* header) =>
        SuperBlockColumnPairs.Column(group, block, blocks, Q4_KInterleaved.HeaderColumnBytes, QuantColumnBytes, out header);

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q5_K blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
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
                Q4_KInterleaved.WriteHeaderRow(block, r, header);
                for (int c = 0; c < 8; c++)
                {
                    for (int k = 0; k < 4; k++)
                        Unsafe.WriteUnaligned(quants + 32 * (8 * k + c) + 4 * r,
                            Unsafe.ReadUnaligned<uint>(block + Q5_KKernels.QuantsOffset + 32 * k + 4 * c));
                    Unsafe.WriteUnaligned(quants + HighBitsOffset + 32 * c + 4 * r, Unsafe.ReadUnaligned<uint>(block + Q5_KKernels.HighBitsOffset + 4 * c));
                }
            }
        }
    }

    /// <summary>
    /// The reference for <see cref="Q5_KInterleavedKernels.DotGroups"/>: as <see cref="Q4_KInterleaved.DotGroupsScalar"/>,
    /// each quant a nibble with its fifth bit above it (0..31), then the same float steps, so the vector kernels equal
    /// this to the bit and it equals <see cref="Q5_KKernels.DotScalar"/> up to the order of the float steps.
    /// </summary>
    public static void DotGroupsScalar(byte* packed, int groups, int blocks, byte* activation, float* destination) =>
        Q4_KInterleaved.DotGroupsScalar(packed, groups, blocks, activation, destination, QuantColumnBytes, withFifthBits: true);
}
