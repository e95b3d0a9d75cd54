using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// One super-block of a K-quant whose elements are <c>d · scale[s] · q − dmin · min[s]</c> (Q4_K, Q5_K): both keep
/// f16 d at byte 0, f16 dmin at byte 2 and the twelve packed scale and min bytes at byte 4 (Q4_K's layout), and
/// differ in how the quants are stored. Gives the exact ints Σ_s scale[s] · Σ q·q8 that the format's scalar dot
/// computes.
/// </summary>
internal unsafe interface IScaleMinSuperBlock
{
    static abstract int BytesPerBlock { get; }

    /// <summary>The ints with 512-bit steps; <paramref name="c0"/>…<paramref name="c3"/> are the activation's 64-byte chunks.</summary>
    static abstract int Ints512(byte* block, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, ulong scales);

    /// <summary>The ints with 256-bit steps, the activation quants at <paramref name="q8"/>.</summary>
    static abstract int Ints256(byte* block, sbyte* q8, ulong scales);

    static abstract float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length);

    static abstract float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length);
}

/// <summary>
/// <typeparamref name="TBlock"/> × Q8_K over several weight rows at once (the matrix × vector of decoding). Four rows
/// share every activation load of a super-block. The ints and float steps of each row are those of the format's
/// scalar dot in the same order (one sum per row, super-blocks in order: with 256 elements per float step the serial
/// chain costs nothing), so each result equals the one-row twin to the bit. Without 256-bit integer vectors each
/// row runs through the format's one-row dot.
/// </summary>
internal static class ScaleMinRowsKernels<TBlock> where TBlock : struct, IScaleMinSuperBlock
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
        long rowBytes = (long)blocks * TBlock.BytesPerBlock;
        if (!Int8MultiplyAdd.Is256Supported)
        {
            for (int r = 0; r < rowCount; r++)
                destination[r] = TBlock.Dot(weightRows.Slice((int)(r * rowBytes), (int)rowBytes), activationRow, length);
            return;
        }
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
                    nuint o = (nuint)b * (nuint)TBlock.BytesPerBlock;
                    float d8 = *(float*)a;
                    sbyte* q8 = (sbyte*)a + Q8_KKernels.QuantsOffset;
                    // Four streams the hardware prefetchers do not keep up with, as the interleaved K-quant groups'.
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w0 + o, w0 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w1 + o, w1 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w2 + o, w2 + o + TBlock.BytesPerBlock);
                    WeightStreamPrefetch.AheadOfSuperBlockColumn(w3 + o, w3 + o + TBlock.BytesPerBlock);
                    Q4_KKernels.DecodeScalesAndMinsPacked(ref w0[o + Q4_KKernels.ScalesOffset], out ulong k0, out ulong m0);
                    Q4_KKernels.DecodeScalesAndMinsPacked(ref w1[o + Q4_KKernels.ScalesOffset], out ulong k1, out ulong m1);
                    Q4_KKernels.DecodeScalesAndMinsPacked(ref w2[o + Q4_KKernels.ScalesOffset], out ulong k2, out ulong m2);
                    Q4_KKernels.DecodeScalesAndMinsPacked(ref w3[o + Q4_KKernels.ScalesOffset], out ulong k3, out ulong m3);
                    int i0, i1, i2, i3;
                    if (Int8MultiplyAdd.Is512Supported)
                    {
                        var c0 = Vector512.Load(q8); var c1 = Vector512.Load(q8 + 64);
                        var c2 = Vector512.Load(q8 + 128); var c3 = Vector512.Load(q8 + 192);
                        i0 = TBlock.Ints512(w0 + o, c0, c1, c2, c3, k0);
                        i1 = TBlock.Ints512(w1 + o, c0, c1, c2, c3, k1);
                        i2 = TBlock.Ints512(w2 + o, c0, c1, c2, c3, k2);
                        i3 = TBlock.Ints512(w3 + o, c0, c1, c2, c3, k3);
                    }
                    else
                    {
                        i0 = TBlock.Ints256(w0 + o, q8, k0);
                        i1 = TBlock.Ints256(w1 + o, q8, k1);
                        i2 = TBlock.Ints256(w2 + o, q8, k2);
                        i3 = TBlock.Ints256(w3 + o, q8, k3);
                    }
                    s0 = Accumulate(s0, w0 + o, a, d8, i0, m0);
                    s1 = Accumulate(s1, w1 + o, a, d8, i1, m1);
                    s2 = Accumulate(s2, w2 + o, a, d8, i2, m2);
                    s3 = Accumulate(s3, w3 + o, a, d8, i3, m3);
                }
                destination[r] = s0;
                if (r + 1 < rowCount) destination[r + 1] = s1;
                if (r + 2 < rowCount) destination[r + 2] = s2;
                if (r + 3 < rowCount) destination[r + 3] = s3;
            }
        }
    }

    /// <summary><c>sum += (d · d8) · isum; sum -= (dmin · d8) · imins</c>, as the one-row dot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Accumulate(float sum, byte* w, byte* a, float d8, int isum, ulong mins)
    {
        int imins = Q4_KKernels.MinsTimesBlockSums(ref *a, mins);
        sum += Q8_0Kernels.Scale(ref *w) * d8 * isum;
        sum -= Q8_0Kernels.Scale(ref w[Q4_KKernels.MinScaleOffset]) * d8 * imins;
        return sum;
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, Q4_KKernels.BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * TBlock.BytesPerBlock, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }
}
