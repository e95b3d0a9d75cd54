using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The block ints of one block column of a sixteen-row group (<see cref="Q4_0Interleaved"/>, <see cref="Q8_0Interleaved"/>,
/// <see cref="Block32ExtrasInterleaved"/>): what differs between the layouts' kernels; <see cref="BlockColumnPairs"/> runs the
/// loops around it.
/// </summary>
internal unsafe interface IBlockColumnInts
{
    /// <summary>Bytes of one block column's quants (a whole number of 64-byte vectors).</summary>
    static abstract int QuantColumnBytes { get; }

    /// <summary>Bytes a column keeps beside its scales (fifth-bit masks, mins); none for Q4_0, IQ4_NL and Q8_0.</summary>
    static virtual int ExtrasColumnBytes => 0;

    /// <summary>
    /// Whether the rows have a min per block, sixteen f16 values at <see cref="MinsOffset"/> in the column's extras,
    /// which meet the activation block's s = d · Σ q (digest float <see cref="BlockColumnPairs.MinFactorIndex"/>).
    /// </summary>
    static virtual bool HasMins => false;

    static virtual int MinsOffset => 0;
}

/// <summary>All sixteen rows' block ints of a column at 512 bits, the activation bias already taken off.</summary>
internal unsafe interface IBlockColumnInts512 : IBlockColumnInts
{
    static abstract Vector512<int> Ints(byte* quants, byte* extras, int* digestBlock);
}

/// <summary>
/// The block ints of the eight rows whose lanes start at <c>quants</c> in each of a column's vectors, at 256 bits; the
/// upper eight rows get <c>quants</c> + 32 and <c>extras</c> + 4.
/// </summary>
internal unsafe interface IBlockColumnInts256 : IBlockColumnInts
{
    static abstract Vector256<int> Ints(byte* quants, byte* extras, int* digestBlock);
}

/// <summary>
/// The sixteen-row layouts of the 32-element block formats (<see cref="Q4_0Interleaved"/>, <see cref="Q8_0Interleaved"/>,
/// <see cref="Block32ExtrasInterleaved"/>): a group is one stream of block-column pairs, both columns' sixteen f16 scales
/// (<see cref="ScaleColumnBytes"/> each), both columns' extras if the format has any (fifth-bit masks, mins), then both
/// columns' quants, so every quant vector starts on a 64-byte line and the scales travel with the quants they scale; when
/// the block count is odd the group ends in half a pair (the last column's scales, 32 zero bytes, its extras, zeros to
/// the next line, its quants). Holds the addressing and the kernels' loops: per block column the layout's ints
/// (<see cref="IBlockColumnInts512"/>, <see cref="IBlockColumnInts256"/>), then one f16 scale conversion and one
/// fused multiply-add per row lane, <c>acc = fma(isum, d_w · d_a, acc)</c> in block order, and for formats with mins
/// <c>acc = acc + m_w · s_a</c> after it. The digest holds one block of <c>digestBlockBytes</c> per activation block, and
/// the activation scales (and s) come times 2¹¹² for <see cref="InterleavedScales.ScaledHalves(byte*, Vector512{float})"/>.
/// </summary>
internal static unsafe class BlockColumnPairs
{
    public const int RowsPerGroup = 16;
    public const int ScaleColumnBytes = RowsPerGroup * sizeof(ushort);

    /// <summary>Where a digest block keeps the activation block's s · 2¹¹² (a float) for the formats with mins.</summary>
    public const int MinFactorIndex = 9;

    /// <summary>Bytes of a digest block: the 32 quants, the int bias at <see cref="BiasIndex"/>, s at <see cref="MinFactorIndex"/>; one line.</summary>
    public const int DigestBlockBytes = 64;

    /// <summary>Where a digest block keeps the int bias codeOffset · Σ q (as an int index).</summary>
    public const int BiasIndex = 8;

    /// <summary>
    /// The digest of an activation row of <paramref name="blocks"/> 32-element blocks (Q8_0, or Q8_1 with
    /// <paramref name="withSums"/>): per block the 32 quants as they are, the bias <paramref name="codeOffset"/> · Σ q that
    /// turns unsigned codes' products into those of the signed codes (none where the offset is 0), and for Q8_1 its s · 2¹¹²;
    /// the activation scales d · 2¹¹² beside, for <see cref="InterleavedScales.ScaledHalves(byte*, Vector512{float})"/>.
    /// </summary>
    public static void FillDigest(byte* activation, int blocks, int codeOffset, bool withSums, byte* digest, float* activationScales)
    {
        if (withSums && codeOffset != 0) throw new ArgumentException("a code offset comes with Q8_0 activations, not Q8_1", nameof(codeOffset));
        int activationBlockBytes = withSums ? Q8_1Kernels.BytesPerBlock : Q8_0Kernels.BytesPerBlock;
        int quantsOffset = withSums ? Q8_1Kernels.QuantsOffset : 2;
        for (int b = 0; b < blocks; b++)
        {
            byte* a = activation + (long)b * activationBlockBytes;
            byte* d = digest + (long)b * DigestBlockBytes;
            activationScales[b] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a)) * InterleavedScales.HalfExponentGap;
            Unsafe.CopyBlockUnaligned(d, a + quantsOffset, 32);
            // Only formats with Q8_0 activations have a code offset (Q4_0, Q8_0, IQ4_NL, Q5_0).
            ((int*)d)[BiasIndex] = codeOffset == 0 ? 0 : codeOffset * Q8_0Kernels.QuantSum(a);
            if (withSums)
                ((float*)d)[MinFactorIndex] = Float16Bits.ToSingle(Unsafe.ReadUnaligned<ushort>(a + Q8_1Kernels.SumOffset)) * InterleavedScales.HalfExponentGap;
        }
    }

    /// <summary>Two block columns: both columns' scales, both columns' extras, then both columns' quants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PairBytes(int quantColumnBytes, int extrasColumnBytes = 0) => 2 * (ScaleColumnBytes + extrasColumnBytes + quantColumnBytes);

    /// <summary>Bytes of one group of <paramref name="blocks"/> blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks, int quantColumnBytes, int extrasColumnBytes = 0) =>
        (long)(blocks / 2) * PairBytes(quantColumnBytes, extrasColumnBytes) + (blocks & 1) * (TailHeaderBytes(extrasColumnBytes) + quantColumnBytes);

    /// <summary>
    /// What precedes a lone last column's quants: its scales, 32 zero bytes, its extras, padded to a whole line (64 bytes
    /// without extras, as in a pair).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TailHeaderBytes(int extrasColumnBytes) => (2 * ScaleColumnBytes + extrasColumnBytes + 63) & ~63;

    /// <summary>The scales of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Scales(byte* group, int block, int quantColumnBytes, int extrasColumnBytes = 0) =>
        group + (long)(block >> 1) * PairBytes(quantColumnBytes, extrasColumnBytes) + (block & 1) * ScaleColumnBytes;

    /// <summary>The extras of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Extras(byte* group, int block, int quantColumnBytes, int extrasColumnBytes) =>
        group + (long)(block >> 1) * PairBytes(quantColumnBytes, extrasColumnBytes) + 2 * ScaleColumnBytes + (block & 1) * extrasColumnBytes;

    /// <summary>
    /// The quants of column <paramref name="block"/> in a group of <paramref name="blocks"/> columns (without extras the
    /// count does not matter: a lone last column's quants sit where a pair's first column's do).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int quantColumnBytes, int extrasColumnBytes = 0, int blocks = int.MaxValue) =>
        group + (long)(block >> 1) * PairBytes(quantColumnBytes, extrasColumnBytes)
        + ((block | 1) < blocks ? 2 * (ScaleColumnBytes + extrasColumnBytes) : TailHeaderBytes(extrasColumnBytes))
        + (block & 1) * quantColumnBytes;

    public static void Groups512<TInts>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination)
        where TInts : struct, IBlockColumnInts512 =>
        Groups<Sums512<TInts>, Vector512<float>>(packed, groups, blocks, digest, digestBlockBytes, activationScales, destination, TInts.QuantColumnBytes,
            TInts.ExtrasColumnBytes);

    /// <summary>The 256-bit loops: each group as two halves of eight rows, whose block ints <typeparamref name="THalves"/> forms.</summary>
    public static void GroupsInHalves256<THalves>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination)
        where THalves : struct, IBlockColumnInts256 =>
        Groups<HalfSums256<THalves>, RowHalves>(packed, groups, blocks, digest, digestBlockBytes, activationScales, destination, THalves.QuantColumnBytes,
            THalves.ExtrasColumnBytes);

    /// <summary>
    /// The one loop over a group's column pairs, at the width of <typeparamref name="TSums"/>. The sums travel as a value
    /// (<typeparamref name="TSums"/>' static steps take and return them): a struct with the sums as its state, called as
    /// instance methods, kept them in memory between columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups<TSums, TRows>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination,
        int quantColumnBytes, int extrasColumnBytes)
        where TSums : struct, IRowSums<TRows>
        where TRows : struct
    {
        int pairBytes = PairBytes(quantColumnBytes, extrasColumnBytes);
        long groupBytes = GroupBytes(blocks, quantColumnBytes, extrasColumnBytes);
        int headerBytes = 2 * (ScaleColumnBytes + extrasColumnBytes);
        int tailHeaderBytes = TailHeaderBytes(extrasColumnBytes);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            TRows rows = default;
            for (int b = 0; b < blocks; b += 2, pair += pairBytes)
            {
                WeightStreamPrefetch.AheadOfBlockColumnPair(pair);
                bool whole = b + 1 < blocks;
                rows = TSums.AddColumn(rows, pair + (whole ? headerBytes : tailHeaderBytes), pair, pair + 2 * ScaleColumnBytes,
                    digest + (long)b * digestBlockBytes, activationScales[b]);
                if (whole)
                    rows = TSums.AddColumn(rows, pair + headerBytes + quantColumnBytes, pair + ScaleColumnBytes, pair + 2 * ScaleColumnBytes + extrasColumnBytes,
                        digest + (long)(b + 1) * digestBlockBytes, activationScales[b + 1]);
            }
            TSums.Store(rows, destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>The sixteen rows' float sums of one group while its columns are added.</summary>
    private interface IRowSums<TRows> where TRows : struct
    {
        /// <summary><c>sum = fma(isum, d_w · d_a, sum)</c> per row for one block column, then <c>sum += m_w · s_a</c> where there are mins.</summary>
        static abstract TRows AddColumn(TRows rows, byte* quants, byte* scales, byte* extras, byte* digestBlock, float activationScale);

        static abstract void Store(TRows rows, float* destination);
    }

    /// <summary>Sixteen float lanes, one per row.</summary>
    private readonly struct Sums512<TInts> : IRowSums<Vector512<float>> where TInts : struct, IBlockColumnInts512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> AddColumn(Vector512<float> rows, byte* quants, byte* scales, byte* extras, byte* digestBlock, float activationScale)
        {
            rows = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(TInts.Ints(quants, extras, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales, Vector512.Create(activationScale)), rows);
            return TInts.HasMins
                ? rows + InterleavedScales.ScaledHalves(extras + TInts.MinsOffset, Vector512.Create(((float*)digestBlock)[MinFactorIndex]))
                : rows;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> rows, float* destination) => rows.Store(destination);
    }

    /// <summary>The sums of rows 0–7 and 8–15 at 256 bits.</summary>
    private struct RowHalves
    {
        public Vector256<float> Lower;
        public Vector256<float> Upper;
    }

    /// <summary>Rows 0–7 from the lower halves of the quant vectors, rows 8–15 from the upper ones.</summary>
    private readonly struct HalfSums256<THalves> : IRowSums<RowHalves> where THalves : struct, IBlockColumnInts256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static RowHalves AddColumn(RowHalves rows, byte* quants, byte* scales, byte* extras, byte* digestBlock, float activationScale)
        {
            var factor = Vector256.Create(activationScale);
            var lower = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants, extras, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales, factor), rows.Lower);
            var upper = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants + 32, extras + 4, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales + 16, factor), rows.Upper);
            if (THalves.HasMins)
            {
                var minFactor = Vector256.Create(((float*)digestBlock)[MinFactorIndex]);
                lower += InterleavedScales.ScaledHalves(extras + THalves.MinsOffset, minFactor);
                upper += InterleavedScales.ScaledHalves(extras + THalves.MinsOffset + 16, minFactor);
            }
            return new RowHalves { Lower = lower, Upper = upper };
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(RowHalves rows, float* destination)
        {
            rows.Lower.Store(destination);
            rows.Upper.Store(destination + 8);
        }
    }
}
