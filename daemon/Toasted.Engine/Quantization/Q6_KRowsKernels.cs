using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q6_K × Q8_K over several weight rows at once (the matrix × vector of decoding). Four rows share every
/// activation load of a super-block, including the block sums that remove the −32 offset. The ints and
/// float steps of each row are those of <see cref="Q6_KKernels.DotScalar"/> in the same order, so each
/// result equals the one-row twin to the bit. Without 256-bit integer vectors each row runs through
/// <see cref="Q6_KKernels.Dot"/>.
/// </summary>
public static class Q6_KRowsKernels
{
    private const int BlockBytes = Q6_KKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;
    private const int RowsPerPass = 4;

    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        for (int r = 0; r < rowCount; r++)
            destination[r] = Q6_KKernels.DotScalar(weightRows.Slice(r * blocks * BlockBytes, blocks * BlockBytes), activationRow, length);
    }

    public static unsafe void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        if (!Int8MultiplyAdd.Is256Supported)
        {
            for (int r = 0; r < rowCount; r++)
                destination[r] = Q6_KKernels.Dot(weightRows.Slice(r * blocks * BlockBytes, blocks * BlockBytes), activationRow, length);
            return;
        }
        long rowBytes = (long)blocks * BlockBytes;
        fixed (byte* weights = weightRows)
        fixed (byte* activation = activationRow)
        {
            for (int r = 0; r < rowCount; r += RowsPerPass)
            {
                // A final pass with fewer than four rows repeats the last row; its extra results are dropped.
                int last = rowCount - 1;
                byte* w0 = weights + Math.Min(r, last) * rowBytes;
                byte* w1 = weights + Math.Min(r + 1, last) * rowBytes;
                byte* w2 = weights + Math.Min(r + 2, last) * rowBytes;
                byte* w3 = weights + Math.Min(r + 3, last) * rowBytes;
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int b = 0; b < blocks; b++)
                {
                    byte* a = activation + (long)b * ActivationBlockBytes;
                    nuint o = (nuint)b * BlockBytes;
                    float d8 = *(float*)a;
                    sbyte* q8 = (sbyte*)a + Q8_KKernels.QuantsOffset;
                    var blockSums = Vector256.Load((short*)(a + Q8_KKernels.BlockSumsOffset));
                    int i0, i1, i2, i3;
                    if (Int8MultiplyAdd.Is512Supported)
                    {
                        var c0 = Vector512.Load(q8); var c1 = Vector512.Load(q8 + 64);
                        var c2 = Vector512.Load(q8 + 128); var c3 = Vector512.Load(q8 + 192);
                        i0 = SuperBlock512(w0 + o, c0, c1, c2, c3, blockSums);
                        i1 = SuperBlock512(w1 + o, c0, c1, c2, c3, blockSums);
                        i2 = SuperBlock512(w2 + o, c0, c1, c2, c3, blockSums);
                        i3 = SuperBlock512(w3 + o, c0, c1, c2, c3, blockSums);
                    }
                    else
                    {
                        i0 = SuperBlock256(w0 + o, q8, blockSums);
                        i1 = SuperBlock256(w1 + o, q8, blockSums);
                        i2 = SuperBlock256(w2 + o, q8, blockSums);
                        i3 = SuperBlock256(w3 + o, q8, blockSums);
                    }
                    s0 += Q8_0Kernels.Scale(ref w0[o + Q6_KKernels.ScaleOffset]) * d8 * i0;
                    s1 += Q8_0Kernels.Scale(ref w1[o + Q6_KKernels.ScaleOffset]) * d8 * i1;
                    s2 += Q8_0Kernels.Scale(ref w2[o + Q6_KKernels.ScaleOffset]) * d8 * i2;
                    s3 += Q8_0Kernels.Scale(ref w3[o + Q6_KKernels.ScaleOffset]) * d8 * i3;
                }
                destination[r] = s0;
                if (r + 1 < rowCount) destination[r + 1] = s1;
                if (r + 2 < rowCount) destination[r + 2] = s2;
                if (r + 3 < rowCount) destination[r + 3] = s3;
            }
        }
    }

    /// <summary>The scales widened to shorts, and 32 · Σ_g scale[g] · bsums[g] (the −32 offset of the quants).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<short> Scales(byte* w, Vector256<short> blockSums, out int offsetCorrection)
    {
        var wide = Avx2.ConvertToVector256Int16(Vector128.Load((sbyte*)w + Q6_KKernels.ScalesOffset));
        offsetCorrection = 32 * Vector256.Sum(Avx2.MultiplyAddAdjacent(wide, blockSums));
        return wide;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int SuperBlock512(byte* w, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, Vector256<short> blockSums)
    {
        var wide = Scales(w, blockSums, out int offsetCorrection);
        var scales = VectorHalves.Repeat(wide);
        // Lanes 8k .. 8k+7 of a step (the pair sums of group g + k) take scale g + k. Built here rather than
        // read from a static field, which would cost a class-initialisation check in this loop.
        var groupOfLane = Vector512.Create((short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        var acc = HalfBlock(Vector512<int>.Zero, w, 0, c0, c1, scales, groupOfLane);
        acc = HalfBlock(acc, w, 1, c2, c3, scales, groupOfLane);
        return Vector512.Sum(acc) - offsetCorrection;
    }

    /// <summary>Elements 128h .. 128h+127: quarters 0, 1 against <paramref name="first"/>, quarters 2, 3 against <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> HalfBlock(Vector512<int> acc, byte* w, int h, Vector512<sbyte> first, Vector512<sbyte> second, Vector512<short> scales, Vector512<short> groupOfLane)
    {
        var ql0 = Vector256.Load(w + 64 * h);
        var ql1 = Vector256.Load(w + 64 * h + 32);
        var qh = Vector256.Load(w + Q6_KKernels.HighBitsOffset + 32 * h);
        var mask = Vector256.Create((byte)0xF);
        var three = Vector256.Create((byte)3);
        var q0 = (ql0 & mask) | ((qh & three) << 4);
        var q1 = (ql1 & mask) | (((qh >>> 2) & three) << 4);
        var q2 = (ql0 >>> 4) | (((qh >>> 4) & three) << 4);
        var q3 = (ql1 >>> 4) | ((qh >>> 6) << 4);
        int g = 8 * h;
        acc = Int8MultiplyAdd.UnsignedScaled(acc, VectorHalves.Join(q0, q1), first, Avx512BW.PermuteVar32x16(scales, groupOfLane + Vector512.Create((short)g)));
        return Int8MultiplyAdd.UnsignedScaled(acc, VectorHalves.Join(q2, q3), second, Avx512BW.PermuteVar32x16(scales, groupOfLane + Vector512.Create((short)(g + 4))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int SuperBlock256(byte* w, sbyte* q8, Vector256<short> blockSums)
    {
        Scales(w, blockSums, out int offsetCorrection);
        var acc = Vector256<int>.Zero;
        for (int h = 0; h < 2; h++)
        {
            var ql0 = Vector256.Load(w + 64 * h);
            var ql1 = Vector256.Load(w + 64 * h + 32);
            var qh = Vector256.Load(w + Q6_KKernels.HighBitsOffset + 32 * h);
            for (int quarter = 0; quarter < 4; quarter++)
            {
                int g = 8 * h + 2 * quarter;
                var weights = Vector256.Create(Vector128.Create((short)((sbyte*)w)[Q6_KKernels.ScalesOffset + g]), Vector128.Create((short)((sbyte*)w)[Q6_KKernels.ScalesOffset + g + 1]));
                acc = Int8MultiplyAdd.UnsignedScaled(acc, Q6_KKernels.Quarter(ql0, ql1, qh, quarter), Vector256.Load(q8 + 16 * g), weights);
            }
        }
        return Vector256.Sum(acc) - offsetCorrection;
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, Q6_KKernels.BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * BlockBytes, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }
}
