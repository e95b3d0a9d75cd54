using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The block ints of one block column of a sixteen-row group (<see cref="Q4_0Interleaved"/>, <see cref="Q8_0Interleaved"/>):
/// what differs between the layouts' kernels; <see cref="BlockColumnPairs"/> runs the loops around it.
/// </summary>
internal unsafe interface IBlockColumnInts
{
    /// <summary>Bytes of one block column's quants (a whole number of 64-byte vectors).</summary>
    static abstract int QuantColumnBytes { get; }
}

/// <summary>All sixteen rows' block ints of a column at 512 bits, the activation bias already taken off.</summary>
internal unsafe interface IBlockColumnInts512 : IBlockColumnInts
{
    static abstract Vector512<int> Ints(byte* quants, int* digestBlock);
}

/// <summary>The block ints of the eight rows whose lanes start at <c>quants</c> in each of a column's vectors, at 256 bits.</summary>
internal unsafe interface IBlockColumnInts256 : IBlockColumnInts
{
    static abstract Vector256<int> Ints(byte* quants, int* digestBlock);
}

/// <summary>
/// The sixteen-row layouts of the 32-element block formats (<see cref="Q4_0Interleaved"/>, <see cref="Q8_0Interleaved"/>):
/// a group is one stream of block-column pairs, both columns' sixteen f16 scales (<see cref="ScaleColumnBytes"/>
/// each), then both columns' quants, so every quant vector starts on a 64-byte line and the scales travel with the
/// quants they scale; when the block count is odd the group ends in half a pair (the last column's scales, 32 zero
/// bytes, its quants). Holds the addressing and the kernels' loops: per block column the layout's ints
/// (<see cref="IBlockColumnInts512"/>, <see cref="IBlockColumnInts256"/>), then one f16 scale conversion and one
/// fused multiply-add per row lane, <c>acc = fma(isum, d_w · d_a, acc)</c> in block order. The digest holds one
/// block of <c>digestBlockBytes</c> per activation block, and the activation scales come times 2¹¹² for
/// <see cref="InterleavedScales.ScaledHalves(byte*, Vector512{float})"/>.
/// </summary>
internal static unsafe class BlockColumnPairs
{
    public const int RowsPerGroup = 16;
    public const int ScaleColumnBytes = RowsPerGroup * sizeof(ushort);

    /// <summary>Two block columns: both columns' scales, then both columns' quants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PairBytes(int quantColumnBytes) => 2 * (ScaleColumnBytes + quantColumnBytes);

    /// <summary>Bytes of one group of <paramref name="blocks"/> blocks, a whole number of 64-byte lines.</summary>
    public static long GroupBytes(int blocks, int quantColumnBytes) =>
        (long)(blocks / 2) * PairBytes(quantColumnBytes) + (blocks & 1) * (2 * ScaleColumnBytes + quantColumnBytes);

    /// <summary>The scales of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Scales(byte* group, int block, int quantColumnBytes) =>
        group + (long)(block >> 1) * PairBytes(quantColumnBytes) + (block & 1) * ScaleColumnBytes;

    /// <summary>The quants of column <paramref name="block"/> in a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Quants(byte* group, int block, int quantColumnBytes) =>
        group + (long)(block >> 1) * PairBytes(quantColumnBytes) + 2 * ScaleColumnBytes + (block & 1) * quantColumnBytes;

    public static void Groups512<TInts>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination)
        where TInts : struct, IBlockColumnInts512 =>
        Groups<Sums512<TInts>>(packed, groups, blocks, digest, digestBlockBytes, activationScales, destination, TInts.QuantColumnBytes);

    /// <summary>The 256-bit loops: each group as two halves of eight rows, whose block ints <typeparamref name="THalves"/> forms.</summary>
    public static void GroupsInHalves256<THalves>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination)
        where THalves : struct, IBlockColumnInts256 =>
        Groups<HalfSums256<THalves>>(packed, groups, blocks, digest, digestBlockBytes, activationScales, destination, THalves.QuantColumnBytes);

    /// <summary>The one loop over a group's column pairs, at the width of <typeparamref name="TSums"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Groups<TSums>(byte* packed, int groups, int blocks, byte* digest, int digestBlockBytes, float* activationScales, float* destination,
        int quantColumnBytes)
        where TSums : struct, IRowSums
    {
        int pairBytes = PairBytes(quantColumnBytes);
        long groupBytes = GroupBytes(blocks, quantColumnBytes);
        for (int g = 0; g < groups; g++)
        {
            byte* pair = packed + g * groupBytes;
            var sums = default(TSums);
            for (int b = 0; b < blocks; b += 2, pair += pairBytes)
            {
                WeightStreamPrefetch.AheadOfBlockColumnPair(pair);
                sums.AddColumn(pair + 2 * ScaleColumnBytes, pair, digest + (long)b * digestBlockBytes, activationScales[b]);
                if (b + 1 < blocks)
                    sums.AddColumn(pair + 2 * ScaleColumnBytes + quantColumnBytes, pair + ScaleColumnBytes,
                        digest + (long)(b + 1) * digestBlockBytes, activationScales[b + 1]);
            }
            sums.Store(destination + (long)g * RowsPerGroup);
        }
    }

    /// <summary>The sixteen rows' float sums of one group while its columns are added.</summary>
    private interface IRowSums
    {
        /// <summary><c>sum = fma(isum, d_w · d_a, sum)</c> per row for one block column.</summary>
        void AddColumn(byte* quants, byte* scales, byte* digestBlock, float activationScale);

        void Store(float* destination);
    }

    /// <summary>Sixteen float lanes, one per row.</summary>
    private struct Sums512<TInts> : IRowSums where TInts : struct, IBlockColumnInts512
    {
        private Vector512<float> _rows;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddColumn(byte* quants, byte* scales, byte* digestBlock, float activationScale) =>
            _rows = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(TInts.Ints(quants, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales, Vector512.Create(activationScale)), _rows);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* destination) => _rows.Store(destination);
    }

    /// <summary>Rows 0–7 from the lower halves of the quant vectors, rows 8–15 from the upper ones.</summary>
    private struct HalfSums256<THalves> : IRowSums where THalves : struct, IBlockColumnInts256
    {
        private Vector256<float> _lower;
        private Vector256<float> _upper;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddColumn(byte* quants, byte* scales, byte* digestBlock, float activationScale)
        {
            var factor = Vector256.Create(activationScale);
            _lower = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales, factor), _lower);
            _upper = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(THalves.Ints(quants + 32, (int*)digestBlock)),
                InterleavedScales.ScaledHalves(scales + 16, factor), _upper);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* destination)
        {
            _lower.Store(destination);
            _upper.Store(destination + 8);
        }
    }
}
