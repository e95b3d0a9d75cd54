using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_K × Q8_K over several weight rows at once (the matrix × vector of decoding). Four rows share every
/// activation load of a super-block. The ints and float steps of each row are those of
/// <see cref="Q4_KKernels.DotScalar"/> in the same order (one sum per row, super-blocks in order: with 256
/// elements per float step the serial chain costs nothing), so each result equals the one-row twin to the bit.
/// Without 256-bit integer vectors each row runs through <see cref="Q4_KKernels.Dot"/>.
/// </summary>
public static class Q4_KRowsKernels
{
    private const int BlockBytes = Q4_KKernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_KKernels.BytesPerBlock;
    private const int RowsPerPass = 4;

    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        for (int r = 0; r < rowCount; r++)
            destination[r] = Q4_KKernels.DotScalar(weightRows.Slice(r * blocks * BlockBytes, blocks * BlockBytes), activationRow, length);
    }

    public static unsafe void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        if (!Int8MultiplyAdd.Is256Supported)
        {
            for (int r = 0; r < rowCount; r++)
                destination[r] = Q4_KKernels.Dot(weightRows.Slice(r * blocks * BlockBytes, blocks * BlockBytes), activationRow, length);
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
                    int i0, i1, i2, i3;
                    ulong m0, m1, m2, m3;
                    if (Int8MultiplyAdd.Is512Supported)
                    {
                        var c0 = Vector512.Load(q8); var c1 = Vector512.Load(q8 + 64);
                        var c2 = Vector512.Load(q8 + 128); var c3 = Vector512.Load(q8 + 192);
                        i0 = SuperBlock512(w0 + o, c0, c1, c2, c3, out m0);
                        i1 = SuperBlock512(w1 + o, c0, c1, c2, c3, out m1);
                        i2 = SuperBlock512(w2 + o, c0, c1, c2, c3, out m2);
                        i3 = SuperBlock512(w3 + o, c0, c1, c2, c3, out m3);
                    }
                    else
                    {
                        i0 = SuperBlock256(w0 + o, q8, out m0);
                        i1 = SuperBlock256(w1 + o, q8, out m1);
                        i2 = SuperBlock256(w2 + o, q8, out m2);
                        i3 = SuperBlock256(w3 + o, q8, out m3);
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

    /// <summary>Σ_s scale[s] · Σ q·q8 of one super-block; chunk c of the activation pairs with bytes 32c..32c+31 of the quants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int SuperBlock512(byte* w, Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3, out ulong mins)
    {
        Q4_KKernels.DecodeScalesAndMinsPacked(ref w[Q4_KKernels.ScalesOffset], out ulong scales, out mins);
        byte* q4 = w + Q4_KKernels.QuantsOffset;
        var acc = Chunk512(Vector512<int>.Zero, q4, c0, scales, 0);
        acc = Chunk512(acc, q4, c1, scales, 1);
        acc = Chunk512(acc, q4, c2, scales, 2);
        acc = Chunk512(acc, q4, c3, scales, 3);
        return Vector512.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> Chunk512(Vector512<int> acc, byte* q4, Vector512<sbyte> activations, ulong scales, int chunk)
    {
        var packed = Vector256.Load(q4 + 32 * chunk);
        var mask = Vector256.Create((byte)0xF);
        var nibbles = VectorHalves.Join(packed & mask, PackedNibbles.High256(packed));
        var weights = VectorHalves.Join(Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk)), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk + 1)));
        return Int8MultiplyAdd.UnsignedScaled(acc, nibbles, activations, weights);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int SuperBlock256(byte* w, sbyte* q8, out ulong mins)
    {
        Q4_KKernels.DecodeScalesAndMinsPacked(ref w[Q4_KKernels.ScalesOffset], out ulong scales, out mins);
        byte* q4 = w + Q4_KKernels.QuantsOffset;
        var mask = Vector256.Create((byte)0xF);
        var acc = Vector256<int>.Zero;
        for (int chunk = 0; chunk < 4; chunk++)
        {
            var packed = Vector256.Load(q4 + 32 * chunk);
            acc = Int8MultiplyAdd.UnsignedScaled(acc, packed & mask, Vector256.Load(q8 + 64 * chunk), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk)));
            acc = Int8MultiplyAdd.UnsignedScaled(acc, PackedNibbles.High256(packed), Vector256.Load(q8 + 64 * chunk + 32), Vector256.Create(Q4_KKernels.ScaleAt(scales, 2 * chunk + 1)));
        }
        return Vector256.Sum(acc);
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, Q4_KKernels.BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * BlockBytes, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }
}
