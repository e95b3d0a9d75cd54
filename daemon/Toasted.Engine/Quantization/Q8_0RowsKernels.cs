using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q8_0 × Q8_0 over several weight rows at once (the matrix × vector of decoding). Four rows share every
/// activation load; each row keeps eight float partial sums (see <see cref="BlockPositionSums"/>).
/// Per block the int Σ w·a is exact (|w| times a with w's sign, as <see cref="Int8MultiplyAdd.Signed(Vector256{int},Vector256{sbyte},Vector256{sbyte})"/>);
/// then <c>(d_w · d_a) · isum</c> goes to the row's partial sum of the block's position.
/// <see cref="DotRowsScalar"/> is the twin in the same order.
/// </summary>
public static class Q8_0RowsKernels
{
    private const int BlockSize = Q8_0Kernels.BlockSize;
    private const int BlockBytes = Q8_0Kernels.BytesPerBlock;
    private const int GroupBlocks = BlockPositionSums.Positions;
    private const int RowsPerPass = 4;
    /// <summary>Activation digests up to this size live on the stack.</summary>
    private const int StackDigestBytes = 32 * 1024;

    public static void DotRowsScalar(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        Span<float> positions = stackalloc float[BlockPositionSums.Positions];
        for (int r = 0; r < rowCount; r++)
        {
            var row = weightRows.Slice(r * blocks * BlockBytes, blocks * BlockBytes);
            positions.Clear();
            for (int b = 0; b < blocks; b++)
            {
                var w = row.Slice(b * BlockBytes, BlockBytes);
                var a = activationRow.Slice(b * BlockBytes, BlockBytes);
                int isum = 0;
                for (int j = 0; j < BlockSize; j++) isum += (sbyte)w[2 + j] * (sbyte)a[2 + j];
                positions[b % GroupBlocks] += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * Float16Bits.ToSingle(BitConverter.ToUInt16(a)) * isum;
            }
            destination[r] = BlockPositionSums.Combine(positions);
        }
    }

    [SkipLocalsInit]
    public static unsafe void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = Check(weightRows, rowCount, activationRow, length, destination);
        if (rowCount == 0) return;
        int groups = Int8MultiplyAdd.Is256Supported ? blocks / GroupBlocks : 0;
        int digestBytes = Digest.Bytes(groups);
        byte[]? rented = digestBytes > StackDigestBytes ? ArrayPool<byte>.Shared.Rent(digestBytes) : null;
        Span<byte> digestMemory = rented ?? stackalloc byte[StackDigestBytes];
        Span<float> positions = stackalloc float[RowsPerPass * BlockPositionSums.Positions];
        try
        {
            fixed (byte* weights = weightRows)
            fixed (byte* activation = activationRow)
            fixed (byte* digestStart = digestMemory)
            {
                var digest = new Digest(digestStart, groups, activation);
                if (groups > 0) digest.Fill();
                long rowBytes = (long)blocks * BlockBytes;
                for (int r = 0; r < rowCount; r += RowsPerPass)
                {
                    // A final pass with fewer than four rows repeats the last row; its extra results are dropped.
                    int last = rowCount - 1;
                    byte* w0 = weights + Math.Min(r, last) * rowBytes;
                    byte* w1 = weights + Math.Min(r + 1, last) * rowBytes;
                    byte* w2 = weights + Math.Min(r + 2, last) * rowBytes;
                    byte* w3 = weights + Math.Min(r + 3, last) * rowBytes;
                    positions.Clear();
                    if (groups > 0) Groups(w0, w1, w2, w3, digest, positions);
                    for (int b = groups * GroupBlocks; b < blocks; b++)
                    {
                        byte* a = activation + b * BlockBytes;
                        float da = Q8_0Kernels.Scale(ref *a);
                        int p = b % GroupBlocks;
                        positions[p] += Q8_0Kernels.Scale(ref w0[b * BlockBytes]) * da * BlockInt(w0 + b * BlockBytes, a);
                        positions[8 + p] += Q8_0Kernels.Scale(ref w1[b * BlockBytes]) * da * BlockInt(w1 + b * BlockBytes, a);
                        positions[16 + p] += Q8_0Kernels.Scale(ref w2[b * BlockBytes]) * da * BlockInt(w2 + b * BlockBytes, a);
                        positions[24 + p] += Q8_0Kernels.Scale(ref w3[b * BlockBytes]) * da * BlockInt(w3 + b * BlockBytes, a);
                    }
                    for (int k = 0; k < RowsPerPass && r + k < rowCount; k++)
                        destination[r + k] = BlockPositionSums.Combine(positions.Slice(k * 8, 8));
                }
            }
        }
        finally
        {
            if (rented != null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Groups(byte* w0, byte* w1, byte* w2, byte* w3, Digest digest, Span<float> positions)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        var scaleOffsets = BlockPositionSums.ScaleOffsets(BlockBytes);
        nuint groupBytes = GroupBlocks * BlockBytes;
        for (int g = 0; g < digest.Groups; g++)
        {
            nuint o = (nuint)g * groupBytes;
            Vector256<int> i0, i1, i2, i3;
            if (Int8MultiplyAdd.Is512Supported)
            {
                sbyte* q = (sbyte*)digest.Quants + g * GroupBlocks * BlockSize;
                sbyte* negated = (sbyte*)digest.NegatedQuants + g * GroupBlocks * BlockSize;
                var a01 = Vector512.Load(q); var n01 = Vector512.Load(negated);
                var a23 = Vector512.Load(q + 64); var n23 = Vector512.Load(negated + 64);
                var a45 = Vector512.Load(q + 128); var n45 = Vector512.Load(negated + 128);
                var a67 = Vector512.Load(q + 192); var n67 = Vector512.Load(negated + 192);
                i0 = EightBlocks512(w0 + o, a01, n01, a23, n23, a45, n45, a67, n67);
                i1 = EightBlocks512(w1 + o, a01, n01, a23, n23, a45, n45, a67, n67);
                i2 = EightBlocks512(w2 + o, a01, n01, a23, n23, a45, n45, a67, n67);
                i3 = EightBlocks512(w3 + o, a01, n01, a23, n23, a45, n45, a67, n67);
            }
            else
            {
                byte* a = digest.Activation + o;
                i0 = EightBlocks256(w0 + o, a);
                i1 = EightBlocks256(w1 + o, a);
                i2 = EightBlocks256(w2 + o, a);
                i3 = EightBlocks256(w3 + o, a);
            }
            var da = Vector256.Load(digest.Scales + g * GroupBlocks);
            acc0 += BlockPositionSums.GatherHalfScales(w0 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i0);
            acc1 += BlockPositionSums.GatherHalfScales(w1 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i1);
            acc2 += BlockPositionSums.GatherHalfScales(w2 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i2);
            acc3 += BlockPositionSums.GatherHalfScales(w3 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i3);
        }
        BlockPositionSums.Store(acc0, positions[..8]);
        BlockPositionSums.Store(acc1, positions.Slice(8, 8));
        BlockPositionSums.Store(acc2, positions.Slice(16, 8));
        BlockPositionSums.Store(acc3, positions.Slice(24, 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> EightBlocks512(byte* w,
        Vector512<sbyte> a01, Vector512<sbyte> n01, Vector512<sbyte> a23, Vector512<sbyte> n23,
        Vector512<sbyte> a45, Vector512<sbyte> n45, Vector512<sbyte> a67, Vector512<sbyte> n67)
    {
        var p01 = TwoBlocks(w, a01, n01);
        var p23 = TwoBlocks(w + 2 * BlockBytes, a23, n23);
        var p45 = TwoBlocks(w + 4 * BlockBytes, a45, n45);
        var p67 = TwoBlocks(w + 6 * BlockBytes, a67, n67);
        return BlockPositionSums.SumBlocks(p01.GetLower(), p01.GetUpper(), p23.GetLower(), p23.GetUpper(),
            p45.GetLower(), p45.GetUpper(), p67.GetLower(), p67.GetUpper());
    }

    /// <summary>Σ w·a of two consecutive blocks: |w| times a with w's sign (the negated activations are shared by all rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> TwoBlocks(byte* w, Vector512<sbyte> activations, Vector512<sbyte> negatedActivations)
    {
        var quants = VectorHalves.Join(Vector256.Load((sbyte*)w + 2), Vector256.Load((sbyte*)w + BlockBytes + 2));
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(quants, Vector512<sbyte>.Zero), negatedActivations, activations);
        return Int8MultiplyAdd.Unsigned(Vector512<int>.Zero, Vector512.Abs(quants).AsByte(), signed);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> EightBlocks256(byte* w, byte* a) =>
        BlockPositionSums.SumBlocks(
            OneBlock(w, a), OneBlock(w + BlockBytes, a + BlockBytes),
            OneBlock(w + 2 * BlockBytes, a + 2 * BlockBytes), OneBlock(w + 3 * BlockBytes, a + 3 * BlockBytes),
            OneBlock(w + 4 * BlockBytes, a + 4 * BlockBytes), OneBlock(w + 5 * BlockBytes, a + 5 * BlockBytes),
            OneBlock(w + 6 * BlockBytes, a + 6 * BlockBytes), OneBlock(w + 7 * BlockBytes, a + 7 * BlockBytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> OneBlock(byte* w, byte* a) =>
        Int8MultiplyAdd.Signed(Vector256<int>.Zero, Vector256.Load((sbyte*)w + 2), Vector256.Load((sbyte*)a + 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int BlockInt(byte* w, byte* a)
    {
        if (Int8MultiplyAdd.Is128Supported)
        {
            var lanes = Int8MultiplyAdd.Signed(Vector128<int>.Zero, Vector128.Load((sbyte*)w + 2), Vector128.Load((sbyte*)a + 2));
            lanes = Int8MultiplyAdd.Signed(lanes, Vector128.Load((sbyte*)w + 18), Vector128.Load((sbyte*)a + 18));
            return Vector128.Sum(lanes);
        }
        int isum = 0;
        for (int j = 0; j < BlockSize; j++) isum += ((sbyte*)w)[2 + j] * ((sbyte*)a)[2 + j];
        return isum;
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * BlockBytes, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * BlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }

    /// <summary>
    /// What every row needs from the activation, worked out once per call for the whole groups: d_a of each
    /// block as float (group lane order) and, for the 512-bit path, the quants without their scales and
    /// negated (never overflowing: activation quants lie in [-127, 127]).
    /// </summary>
    private readonly unsafe struct Digest(byte* memory, int groups, byte* activation)
    {
        public readonly int Groups = groups;
        public readonly float* Scales = (float*)memory;
        public readonly byte* Quants = memory + 4 * GroupBlocks * groups;
        public readonly byte* NegatedQuants = memory + (4 + BlockSize) * GroupBlocks * groups;
        public readonly byte* Activation = activation;

        public static int Bytes(int groups) => groups * GroupBlocks * (4 + 2 * BlockSize);

        public void Fill()
        {
            var order = BlockPositionSums.PositionOfLane;
            for (int g = 0; g < Groups; g++)
            {
                for (int lane = 0; lane < GroupBlocks; lane++)
                    Scales[g * GroupBlocks + lane] = Q8_0Kernels.Scale(ref Activation[(g * GroupBlocks + order[lane]) * BlockBytes]);
                if (!Int8MultiplyAdd.Is512Supported) continue;
                for (int b = 0; b < GroupBlocks; b++)
                {
                    int block = g * GroupBlocks + b;
                    var quants = Vector256.Load((sbyte*)Activation + block * BlockBytes + 2);
                    quants.Store((sbyte*)Quants + block * BlockSize);
                    (-quants).Store((sbyte*)NegatedQuants + block * BlockSize);
                }
            }
        }
    }
}
