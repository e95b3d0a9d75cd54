using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// One super-block of a K-quant row against a Q8_K activation block, as the four-row kernel takes it (Q2_K, Q3_K,
/// Q4_K, Q5_K, Q6_K, IQ4_XS): the block's exact ints as vector lanes that add up to them, and its float steps, in the order
/// of the format's scalar dot.
/// </summary>
internal unsafe interface IRowSuperBlock
{
    static abstract int BytesPerBlock { get; }

    /// <summary>Whether the block has a second int (Q2_K's, Q4_K's and Q5_K's mins times the block sums) with a float step of its own.</summary>
    static abstract bool HasMinTerm { get; }

    /// <summary>
    /// Lanes adding up to the block's isum (and in <paramref name="minLanes"/> to its min term), with 512-bit steps;
    /// <paramref name="c0"/>…<paramref name="c3"/> are the activation's 64-byte chunks, loaded once for the four rows.
    /// </summary>
    static abstract Vector256<int> Lanes512(byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out Vector256<int> minLanes);

    /// <summary>As <see cref="Lanes512"/> with 256-bit steps.</summary>
    static abstract Vector256<int> Lanes256(byte* block, byte* activationBlock, out Vector256<int> minLanes);

    /// <summary>The block's float steps after its ints, with activation scale <paramref name="d8"/>, as the scalar dot takes them.</summary>
    static abstract float Add(float sum, int isum, int minTerm, byte* block, float d8);

    /// <summary>
    /// <see cref="Add(float, int, int, byte*, float)"/> for four rows at once, lane r for row r's block at <c>b</c>r: the same
    /// operations lane by lane, so each lane equals the one-row step to the bit.
    /// </summary>
    static abstract Vector128<float> Add(Vector128<float> sums, Vector128<int> isums, Vector128<int> minTerms, byte* b0, byte* b1, byte* b2, byte* b3, float d8);

    static abstract float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length);

    static abstract float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length);
}

/// <summary>
/// <typeparamref name="TBlock"/> × Q8_K over several weight rows at once (the matrix × vector of decoding, for the rows
/// outside whole interleaved groups, and for whole matrices of formats without an interleaved layout). Four rows share
/// every activation load of a super-block. The ints and float steps of each row are those of the format's scalar dot
/// in the same order (one sum per row, super-blocks in order: with 256 elements per float step the serial chain costs
/// nothing), so each result equals the one-row twin to the bit. Without 256-bit integer vectors each row runs through
/// the format's one-row dot.
/// </summary>
internal static class SuperBlockRowsKernels<TBlock> where TBlock : struct, IRowSuperBlock
{
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;
    private const int RowsPerPass = 4;

    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int rowBytes = Check(weightRows, rowCount, activationRow, length, destination) * TBlock.BytesPerBlock;
        for (int r = 0; r < rowCount; r++)
            destination[r] = TBlock.DotScalar(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
    }

    public static unsafe void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        int rowBytes = blocks * TBlock.BytesPerBlock;
        if (!Int8MultiplyAdd.Is256Supported)
        {
            for (int r = 0; r < rowCount; r++)
                destination[r] = TBlock.Dot(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
            return;
        }
        fixed (byte* weights = weightRows)
        fixed (byte* activation = activationRow)
        {
            for (int r = 0; r < rowCount; r += RowsPerPass)
            {
                // A final pass with fewer than four rows repeats the last row; its extra results are dropped.
                int last = rowCount - 1;
                byte* w0 = weights + (long)Math.Min(r, last) * rowBytes;
                byte* w1 = weights + (long)Math.Min(r + 1, last) * rowBytes;
                byte* w2 = weights + (long)Math.Min(r + 2, last) * rowBytes;
                byte* w3 = weights + (long)Math.Min(r + 3, last) * rowBytes;
                var sums = Vector128<float>.Zero;
                for (int b = 0; b < blocks; b++)
                {
                    byte* a = activation + (long)b * ActivationBlockBytes;
                    long o = (long)b * TBlock.BytesPerBlock;
                    // Four streams the hardware prefetchers do not keep up with, as the interleaved K-quant groups'.
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w0 + o, w0 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w1 + o, w1 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w2 + o, w2 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w3 + o, w3 + o + TBlock.BytesPerBlock);
                    Vector256<int> l0, l1, l2, l3, m0, m1, m2, m3;
                    if (Int8MultiplyAdd.Is512Supported)
                    {
                        sbyte* q8 = (sbyte*)a + Q8_KKernels.QuantsOffset;
                        var c0 = Vector512.Load(q8); var c1 = Vector512.Load(q8 + 64);
                        var c2 = Vector512.Load(q8 + 128); var c3 = Vector512.Load(q8 + 192);
                        l0 = TBlock.Lanes512(w0 + o, a, c0, c1, c2, c3, out m0);
                        l1 = TBlock.Lanes512(w1 + o, a, c0, c1, c2, c3, out m1);
                        l2 = TBlock.Lanes512(w2 + o, a, c0, c1, c2, c3, out m2);
                        l3 = TBlock.Lanes512(w3 + o, a, c0, c1, c2, c3, out m3);
                    }
                    else
                    {
                        l0 = TBlock.Lanes256(w0 + o, a, out m0);
                        l1 = TBlock.Lanes256(w1 + o, a, out m1);
                        l2 = TBlock.Lanes256(w2 + o, a, out m2);
                        l3 = TBlock.Lanes256(w3 + o, a, out m3);
                    }
                    // One transposing reduction for the four rows instead of a horizontal sum per row and int.
                    var minTerms = TBlock.HasMinTerm ? SuperBlockLanes.Totals(m0, m1, m2, m3) : default;
                    sums = TBlock.Add(sums, SuperBlockLanes.Totals(l0, l1, l2, l3), minTerms, w0 + o, w1 + o, w2 + o, w3 + o, *(float*)a);
                }
                destination[r] = sums.GetElement(0);
                if (r + 1 < rowCount) destination[r + 1] = sums.GetElement(1);
                if (r + 2 < rowCount) destination[r + 2] = sums.GetElement(2);
                if (r + 3 < rowCount) destination[r + 3] = sums.GetElement(3);
            }
        }
    }

    /// <summary>
    /// One row's dot with the widest steps there are, block by block in the scalar dot's order: the format's one-row
    /// <c>Dot</c> where 256-bit integer vectors exist (its checks already made).
    /// </summary>
    public static unsafe float DotRow(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int blocks)
    {
        float sum = 0;
        fixed (byte* weights = weightRow)
        fixed (byte* activation = activationRow)
            for (int b = 0; b < blocks; b++)
            {
                byte* block = weights + (long)b * TBlock.BytesPerBlock;
                byte* a = activation + (long)b * ActivationBlockBytes;
                Vector256<int> lanes, minLanes;
                if (Int8MultiplyAdd.Is512Supported)
                {
                    sbyte* q8 = (sbyte*)a + Q8_KKernels.QuantsOffset;
                    lanes = TBlock.Lanes512(block, a, Vector512.Load(q8), Vector512.Load(q8 + 64), Vector512.Load(q8 + 128), Vector512.Load(q8 + 192), out minLanes);
                }
                else
                {
                    lanes = TBlock.Lanes256(block, a, out minLanes);
                }
                sum = TBlock.Add(sum, Vector256.Sum(lanes), TBlock.HasMinTerm ? Vector256.Sum(minLanes) : 0, block, *(float*)a);
            }
        return sum;
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, Q8_KKernels.BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * TBlock.BytesPerBlock, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }
}
