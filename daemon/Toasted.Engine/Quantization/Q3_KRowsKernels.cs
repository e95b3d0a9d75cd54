using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q3_K × Q8_K over several weight rows at once (the matrix × vector of decoding). With AVX-512 four rows share every
/// activation load of a super-block, the block sums included, and each row's ints come from
/// <see cref="Q3_KKernels.SuperBlock512"/>; the float steps of each row are those of <see cref="Q3_KKernels.DotScalar"/>
/// in the same order, so each result equals the one-row twin to the bit. Its four streams are asked for ahead, as the
/// other K-quants' (<see cref="WeightStreamPrefetch.SuperBlockDistance"/>). Elsewhere each row runs through
/// <see cref="Q3_KKernels.Dot"/>.
/// </summary>
public static class Q3_KRowsKernels
{
    private const int BlockBytes = Q3_KKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;
    private const int RowsPerPass = 4;

    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int rowBytes = Check(weightRows, rowCount, activationRow, length, destination) * BlockBytes;
        for (int r = 0; r < rowCount; r++)
            destination[r] = Q3_KKernels.DotScalar(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
    }

    public static unsafe void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        int rowBytes = blocks * BlockBytes;
        if (!Int8MultiplyAdd.Is512Supported)
        {
            for (int r = 0; r < rowCount; r++)
                destination[r] = Q3_KKernels.Dot(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
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
                    long o = (long)b * BlockBytes;
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w0 + o, w0 + o + BlockBytes);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w1 + o, w1 + o + BlockBytes);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w2 + o, w2 + o + BlockBytes);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w3 + o, w3 + o + BlockBytes);
                    float d8 = *(float*)a;
                    sbyte* q8 = (sbyte*)a + Q8_KKernels.QuantsOffset;
                    var c0 = Vector512.Load(q8); var c1 = Vector512.Load(q8 + 64);
                    var c2 = Vector512.Load(q8 + 128); var c3 = Vector512.Load(q8 + 192);
                    var blockSums = Vector256.Load((short*)(a + Q8_KKernels.BlockSumsOffset));
                    s0 += Q8_0Kernels.Scale(ref w0[o + Q3_KKernels.ScaleOffset]) * d8 * Q3_KKernels.SuperBlock512(w0 + o, c0, c1, c2, c3, blockSums);
                    s1 += Q8_0Kernels.Scale(ref w1[o + Q3_KKernels.ScaleOffset]) * d8 * Q3_KKernels.SuperBlock512(w1 + o, c0, c1, c2, c3, blockSums);
                    s2 += Q8_0Kernels.Scale(ref w2[o + Q3_KKernels.ScaleOffset]) * d8 * Q3_KKernels.SuperBlock512(w2 + o, c0, c1, c2, c3, blockSums);
                    s3 += Q8_0Kernels.Scale(ref w3[o + Q3_KKernels.ScaleOffset]) * d8 * Q3_KKernels.SuperBlock512(w3 + o, c0, c1, c2, c3, blockSums);
                }
                destination[r] = s0;
                if (r + 1 < rowCount) destination[r + 1] = s1;
                if (r + 2 < rowCount) destination[r + 2] = s2;
                if (r + 3 < rowCount) destination[r + 3] = s3;
            }
        }
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, Q3_KKernels.BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * BlockBytes, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }
}
