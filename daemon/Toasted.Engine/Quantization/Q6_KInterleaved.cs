using System.Runtime.CompilerServices;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q6_K weights regrouped eight rows at a time for matrix × vector, as <see cref="Q4_KInterleaved"/> does for
/// Q4_K: one 64-byte load carries quant bits of all eight rows, integer sums land in lanes that belong to
/// one row each, and the group scales and f16 scales of eight rows arrive together.
/// <para>
/// A group holds eight consecutive rows of <c>blocks</c> super-blocks in two regions:
/// </para>
/// <list type="bullet">
/// <item>quants, <see cref="QuantColumnBytes"/> = 1536 bytes per super-block column: first the low bits,
///   32 half-vectors of 32 bytes, half-vector 8k + c holding in its 4-byte lane r bytes 32k + 4c … 4c + 3
///   of row r's ql; then the high bits, 16 half-vectors, half-vector 8h + c holding in lane r bytes
///   32h + 4c … 4c + 3 of row r's qh. Read 64 bytes at a time, a vector covers dword 2t in lanes 0–7 and
///   dword 2t + 1 in lanes 8–15.</item>
/// <item>headers, <see cref="HeaderColumnBytes"/> = 144 bytes per column, after all quant columns:
///   bytes 0–15 the eight rows' f16 d, then the int8 group scales in pairs
///   (byte 16 + 16p + 2r + t = scale of group 2p + t of row r).</item>
/// </list>
/// Byte l of ql chunk k = 2h + s holds elements 128h + 32s + l (low nibble) and 128h + 64 + 32s + l (high
/// nibble); their top two bits are bits 2s and 2s + 4 of qh byte 32h + l (see <see cref="Q6_KKernels"/>).
/// A group is exactly its eight file rows (8 × 210 = 1680 bytes per column), rounded up to 64 bytes.
/// </summary>
public static unsafe class Q6_KInterleaved
{
    public const int RowsPerGroup = 8;
    public const int QuantColumnBytes = RowsPerGroup * 192;
    public const int HighBitsOffset = RowsPerGroup * 128;
    public const int HeaderColumnBytes = RowsPerGroup * 18;
    public const int ScalesOffset = 16;

    private const int BlockBytes = Q6_KKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;

    /// <summary>Bytes of one group of eight rows of <paramref name="blocks"/> super-blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks) => ((long)blocks * (QuantColumnBytes + HeaderColumnBytes) + 63) / 64 * 64;

    /// <summary>Bytes of the interleaved form of <paramref name="groups"/> groups.</summary>
    public static long Bytes(long groups, int blocks) => groups * GroupBytes(blocks);

    /// <summary>The header of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Header(byte* group, int blocks, int block) =>
        group + (long)blocks * QuantColumnBytes + (long)block * HeaderColumnBytes;

    /// <summary>Regroups eight rows of <paramref name="blocks"/> Q6_K blocks, <paramref name="rowBytes"/> apart, into one interleaved group.</summary>
    public static void Repack(byte* rows, long rowBytes, int blocks, byte* destination)
    {
        new Span<byte>(destination, (int)GroupBytes(blocks)).Clear();
        for (int b = 0; b < blocks; b++)
        {
            byte* quants = destination + (long)b * QuantColumnBytes;
            byte* header = Header(destination, blocks, b);
            for (int r = 0; r < RowsPerGroup; r++)
            {
                byte* block = rows + r * rowBytes + (long)b * BlockBytes;
                Unsafe.WriteUnaligned(header + 2 * r, Unsafe.ReadUnaligned<ushort>(block + Q6_KKernels.ScaleOffset));
                for (int g = 0; g < 16; g++)
                    header[ScalesOffset + 16 * (g / 2) + 2 * r + g % 2] = block[Q6_KKernels.ScalesOffset + g];
                for (int k = 0; k < 4; k++)
                for (int c = 0; c < 8; c++)
                    Unsafe.WriteUnaligned(quants + 32 * (8 * k + c) + 4 * r, Unsafe.ReadUnaligned<uint>(block + 32 * k + 4 * c));
                for (int h = 0; h < 2; h++)
                for (int c = 0; c < 8; c++)
                    Unsafe.WriteUnaligned(quants + HighBitsOffset + 32 * (8 * h + c) + 4 * r,
                        Unsafe.ReadUnaligned<uint>(block + Q6_KKernels.HighBitsOffset + 32 * h + 4 * c));
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
                byte* quants = group + (long)b * QuantColumnBytes;
                byte* header = Header(group, blocks, b);
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
        int h = element / 128, n = element % 128 / 64, s = element % 64 / 32, l = element % 32;
        int low = quants[32 * (8 * (2 * h + s) + l / 4) + 4 * row + l % 4];
        int high = quants[HighBitsOffset + 32 * (8 * h + l / 4) + 4 * row + l % 4];
        return ((low >> (4 * n)) & 0xF) | (((high >> (2 * s + 4 * n)) & 3) << 4);
    }
}
