using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// One super-block of a K-quant row against a Q8_K activation block, as the four-row kernel takes it (Q2_K, Q3_K,
/// Q4_K, Q5_K, IQ4_XS): the block's exact ints and its float steps, in the order of the format's scalar dot.
/// </summary>
internal unsafe interface IRowSuperBlock
{
    static abstract int BytesPerBlock { get; }

    /// <summary>
    /// <paramref name="sum"/> with the block at <paramref name="block"/> added, with 512-bit steps;
    /// <paramref name="c0"/>…<paramref name="c3"/> are the activation's 64-byte chunks, loaded once for the four rows.
    /// </summary>
    static abstract float Add512(float sum, byte* block, byte* activationBlock, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3);

    /// <summary>As <see cref="Add512"/> with 256-bit steps.</summary>
    static abstract float Add256(float sum, byte* block, byte* activationBlock);

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
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* a = activation + (long)b * ActivationBlockBytes;
                    long o = (long)b * TBlock.BytesPerBlock;
                    // Four streams the hardware prefetchers do not keep up with, as the interleaved K-quant groups'.
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w0 + o, w0 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w1 + o, w1 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w2 + o, w2 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w3 + o, w3 + o + TBlock.BytesPerBlock);
                    if (Int8MultiplyAdd.Is512Supported)
                    {
                        sbyte* q8 = (sbyte*)a + Q8_KKernels.QuantsOffset;
                        var c0 = Vector512.Load(q8); var c1 = Vector512.Load(q8 + 64);
                        var c2 = Vector512.Load(q8 + 128); var c3 = Vector512.Load(q8 + 192);
                        s0 = TBlock.Add512(s0, w0 + o, a, c0, c1, c2, c3);
                        s1 = TBlock.Add512(s1, w1 + o, a, c0, c1, c2, c3);
                        s2 = TBlock.Add512(s2, w2 + o, a, c0, c1, c2, c3);
                        s3 = TBlock.Add512(s3, w3 + o, a, c0, c1, c2, c3);
                    }
                    else
                    {
                        s0 = TBlock.Add256(s0, w0 + o, a);
                        s1 = TBlock.Add256(s1, w1 + o, a);
                        s2 = TBlock.Add256(s2, w2 + o, a);
                        s3 = TBlock.Add256(s3, w3 + o, a);
                    }
                }
                destination[r] = s0;
                if (r + 1 < rowCount) destination[r + 1] = s1;
                if (r + 2 < rowCount) destination[r + 2] = s2;
                if (r + 3 < rowCount) destination[r + 3] = s3;
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
                sum = AddBlock(sum, weights + (long)b * TBlock.BytesPerBlock, activation + (long)b * ActivationBlockBytes);
        return sum;
    }

    /// <summary>One row's block with the widest steps there are (256-bit integer vectors at least).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static unsafe float AddBlock(float sum, byte* block, byte* activationBlock)
    {
        if (!Int8MultiplyAdd.Is512Supported) return TBlock.Add256(sum, block, activationBlock);
        sbyte* q8 = (sbyte*)activationBlock + Q8_KKernels.QuantsOffset;
        return TBlock.Add512(sum, block, activationBlock, Vector512.Load(q8), Vector512.Load(q8 + 64), Vector512.Load(q8 + 128), Vector512.Load(q8 + 192));
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
