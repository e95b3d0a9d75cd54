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
        Groups<Sums512<TInts>>(packed, groups, blocks, digest, digestBlockBytes, activationScales, destination, TInts.QuantColumnBytes, TInts.ExtrasColumnBytes);

    /// <summary>The 256-bit loops: each group as two halves of eight rows, whose block ints <typeparamref name="THalves"/> forms.</summary>
    public static void GroupsInHalves256<THalves>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination)
        where THalves : struct, IBlockColumnInts256 =>
        Groups<HalfSums256<THalves>>(packed, groups, blocks, digest, digestBlockBytes, activationScales, destination, THalves.QuantColumnBytes,
            THalves.ExtrasColumnBytes);

    /// <summary>The one loop over a group's column pairs, at the width of <typeparamref name="TSums"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups<TSums>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination,
        int quantColumnBytes, int extrasColumnBytes)
        where TSums : struct, IRowSums
    {
        int pairBytes = PairBytes(quantColumnBytes, extrasColumnBytes);
        long groupBytes = GroupBytes(blocks, quantColumnBytes, extrasColumnBytes);
        int headerBytes = 2 * (ScaleColumnBytes + extrasColumnBytes);
        int tailHeaderBytes = TailHeaderBytes(extrasColumnBytes);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            var sums = default(TSums);
            for (int b = 0; b < blocks; b += 2, pair += pairBytes)
            {
                WeightStreamPrefetch.AheadOfBlockColumnPair(pair);
                bool whole = b + 1 < blocks;
                sums.AddColumn(pair + (whole ? headerBytes : tailHeaderBytes), pair, pair + 2 * ScaleColumnBytes, digest + (long)b * digestBlockBytes,
                    activationScales[b]);
                if (whole)
                    sums.AddColumn(pair + headerBytes + quantColumnBytes, pair + ScaleColumnBytes, pair + 2 * ScaleColumnBytes + extrasColumnBytes,
                        digest + (long)(b + 1) * digestBlockBytes, activationScales[b + 1]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>The sixteen rows' float sums of one group while its columns are added.</summary>
    private interface IRowSums
    {
        /// <summary><c>sum = fma(isum, d_w · d_a, sum)</c> per row for one block column, then <c>sum += m_w · s_a</c> where there are mins.</summary>
        void AddColumn(byte* quants, byte* scales, byte* extras, byte* digestBlock, float activationScale);

        void Store(float* destination);
    }

    /// <summary>Sixteen float lanes, one per row.</summary>
    private struct Sums512<TInts> : IRowSums where TInts : struct, IBlockColumnInts512
    {
        private Vector512<float> _rows;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddColumn(byte* quants, byte* scales, byte* extras, byte* digestBlock, float activationScale)
        {
            var rows = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(TInts.Ints(quants, extras, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales, Vector512.Create(activationScale)), _rows);
            // One assignment to the field, so that the JIT keeps the sums in a register.
            _rows = TInts.HasMins
                ? rows + InterleavedScales.ScaledHalves(extras + TInts.MinsOffset, Vector512.Create(((float*)digestBlock)[MinFactorIndex]))
                : rows;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* destination) => _rows.Store(destination);
    }

    /// <summary>Rows 0–7 from the lower halves of the quant vectors, rows 8–15 from the upper ones.</summary>
    private struct HalfSums256<THalves> : IRowSums where THalves : struct, IBlockColumnInts256
    {
        private Vector256<float> _lower;
        private Vector256<float> _upper;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddColumn(byte* quants, byte* scales, byte* extras, byte* digestBlock, float activationScale)
        {
            var factor = Vector256.Create(activationScale);
            _lower = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants, extras, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales, factor), _lower);
            _upper = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants + 32, extras + 4, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales + 16, factor), _upper);
            if (!THalves.HasMins) return;
            var minFactor = Vector256.Create(((float*)digestBlock)[MinFactorIndex]);
            _lower += InterleavedScales.ScaledHalves(extras + THalves.MinsOffset, minFactor);
            _upper += InterleavedScales.ScaledHalves(extras + THalves.MinsOffset + 16, minFactor);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* destination)
        {
            _lower.Store(destination);
            _upper.Store(destination + 8);
        }
    }
}
