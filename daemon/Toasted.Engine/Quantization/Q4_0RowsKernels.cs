using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Q4_0 × Q8_0 over several weight rows at once (the matrix × vector of decoding). Four rows share every
/// activation load; each row keeps eight float partial sums (see <see cref="BlockPositionSums"/>).
/// <para>
/// Per block the int is exact: Σ (nibble − 8)·q8 is computed as Σ nibble·q8 − 8·Σ q8, where Σ q8 of each
/// activation block is worked out once per call and shared by all rows; the products are unsigned nibbles
/// times int8 activations, so vpmaddubsw cannot saturate. Then, per block, <c>(d_w · d_a) · isum</c> goes to
/// the row's partial sum of the block's position. <see cref="DotRowsScalar"/> is the twin in the same order.
/// </para>
/// </summary>
public static class Q4_0RowsKernels
{
    private const int BlockSize = Q4_0Kernels.BlockSize;
    private const int BlockBytes = Q4_0Kernels.BytesPerBlock;
    private const int ActivationBlockBytes = Q8_0Kernels.BytesPerBlock;
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
                var a = activationRow.Slice(b * ActivationBlockBytes, ActivationBlockBytes);
                positions[b % GroupBlocks] += Float16Bits.ToSingle(BitConverter.ToUInt16(w)) * Float16Bits.ToSingle(BitConverter.ToUInt16(a)) * BlockInt(w, a);
            }
            destination[r] = BlockPositionSums.Combine(positions);
        }
    }

    private static int BlockInt(ReadOnlySpan<byte> w, ReadOnlySpan<byte> a)
    {
        int isum = 0;
        for (int j = 0; j < BlockSize / 2; j++)
        {
            int packed = w[2 + j];
            isum += ((packed & 0xF) - 8) * (sbyte)a[2 + j];
            isum += ((packed >> 4) - 8) * (sbyte)a[2 + j + 16];
        }
        return isum;
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
                        byte* a = activation + b * ActivationBlockBytes;
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

    /// <summary>All whole groups of eight blocks of four rows; partial sums go to <paramref name="positions"/> (8 per row).</summary>
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
                // Quants rearranged per four blocks: the low-nibble activations of blocks 0-3, then the high ones.
                byte* q = digest.Quants + g * GroupBlocks * BlockSize;
                var low0 = Vector512.Load((sbyte*)q);
                var high0 = Vector512.Load((sbyte*)q + 64);
                var low1 = Vector512.Load((sbyte*)q + 128);
                var high1 = Vector512.Load((sbyte*)q + 192);
                i0 = BlockPositionSums.SumQuarters(FourBlocks(w0 + o, low0, high0), FourBlocks(w0 + o + 4 * BlockBytes, low1, high1));
                i1 = BlockPositionSums.SumQuarters(FourBlocks(w1 + o, low0, high0), FourBlocks(w1 + o + 4 * BlockBytes, low1, high1));
                i2 = BlockPositionSums.SumQuarters(FourBlocks(w2 + o, low0, high0), FourBlocks(w2 + o + 4 * BlockBytes, low1, high1));
                i3 = BlockPositionSums.SumQuarters(FourBlocks(w3 + o, low0, high0), FourBlocks(w3 + o + 4 * BlockBytes, low1, high1));
            }
            else
            {
                byte* a = digest.Activation + (nuint)g * GroupBlocks * ActivationBlockBytes + 2;
                i0 = EightBlocks(w0 + o, a);
                i1 = EightBlocks(w1 + o, a);
                i2 = EightBlocks(w2 + o, a);
                i3 = EightBlocks(w3 + o, a);
            }
            var bias = Vector256.Load(digest.Biases + g * GroupBlocks);
            var da = Vector256.Load(digest.Scales + g * GroupBlocks);
            acc0 += BlockPositionSums.GatherHalfScales(w0 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i0 - bias);
            acc1 += BlockPositionSums.GatherHalfScales(w1 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i1 - bias);
            acc2 += BlockPositionSums.GatherHalfScales(w2 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i2 - bias);
            acc3 += BlockPositionSums.GatherHalfScales(w3 + o, scaleOffsets) * da * Vector256.ConvertToSingle(i3 - bias);
        }
        BlockPositionSums.Store(acc0, positions[..8]);
        BlockPositionSums.Store(acc1, positions.Slice(8, 8));
        BlockPositionSums.Store(acc2, positions.Slice(16, 8));
        BlockPositionSums.Store(acc3, positions.Slice(24, 8));
    }

    /// <summary>Σ nibble·q8 of four consecutive blocks; the 128-bit quarter k of the result holds block k's four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> FourBlocks(byte* w, Vector512<sbyte> lowActivations, Vector512<sbyte> highActivations)
    {
        var packed = VectorHalves.Join(
            Vector256.Create(Vector128.Load(w + 2), Vector128.Load(w + BlockBytes + 2)),
            Vector256.Create(Vector128.Load(w + 2 * BlockBytes + 2), Vector128.Load(w + 3 * BlockBytes + 2)));
        var mask = Vector512.Create((byte)0xF);
        var low = packed & mask;
        var high = PackedNibbles.High512(packed);
        // Pair sums are at most 2 · 15 · 127 each, so their sum of two still fits a short.
        var pairs = Avx512BW.MultiplyAddAdjacent(low, lowActivations) + Avx512BW.MultiplyAddAdjacent(high, highActivations);
        return Avx512BW.MultiplyAddAdjacent(pairs, Vector512<short>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> EightBlocks(byte* w, byte* activationQuants) =>
        BlockPositionSums.SumBlocks(
            OneBlock(w, activationQuants), OneBlock(w + BlockBytes, activationQuants + ActivationBlockBytes),
            OneBlock(w + 2 * BlockBytes, activationQuants + 2 * ActivationBlockBytes), OneBlock(w + 3 * BlockBytes, activationQuants + 3 * ActivationBlockBytes),
            OneBlock(w + 4 * BlockBytes, activationQuants + 4 * ActivationBlockBytes), OneBlock(w + 5 * BlockBytes, activationQuants + 5 * ActivationBlockBytes),
            OneBlock(w + 6 * BlockBytes, activationQuants + 6 * ActivationBlockBytes), OneBlock(w + 7 * BlockBytes, activationQuants + 7 * ActivationBlockBytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> OneBlock(byte* w, byte* activationQuants)
    {
        var packed = Vector128.Load(w + 2);
        var mask = Vector128.Create((byte)0xF);
        var nibbles = Vector256.Create(packed & mask, PackedNibbles.High128(packed));
        return Int8MultiplyAdd.Unsigned(Vector256<int>.Zero, nibbles, Vector256.Load((sbyte*)activationQuants));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int BlockInt(byte* w, byte* a)
    {
        if (Int8MultiplyAdd.Is128Supported)
        {
            var packed = Vector128.Load(w + 2);
            var mask = Vector128.Create((byte)0xF);
            var lanes = Int8MultiplyAdd.Unsigned(Vector128<int>.Zero, packed & mask, Vector128.Load((sbyte*)a + 2));
            lanes = Int8MultiplyAdd.Unsigned(lanes, PackedNibbles.High128(packed), Vector128.Load((sbyte*)a + 18));
            int activationSum = Vector128.Sum(Int8MultiplyAdd.Unsigned(Vector128<int>.Zero, Vector128.Create((byte)1), Vector128.Load((sbyte*)a + 2)))
                + Vector128.Sum(Int8MultiplyAdd.Unsigned(Vector128<int>.Zero, Vector128.Create((byte)1), Vector128.Load((sbyte*)a + 18)));
            return Vector128.Sum(lanes) - 8 * activationSum;
        }
        return BlockInt(new ReadOnlySpan<byte>(w, BlockBytes), new ReadOnlySpan<byte>(a, ActivationBlockBytes));
    }

    private static int Check(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowChecks.Bytes(weightRows, (long)rowCount * blocks * BlockBytes, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * ActivationBlockBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        return blocks;
    }

    /// <summary>
    /// What every row needs from the activation, worked out once per call for the whole groups: per block
    /// d_a as float and 8 · Σ q8 (both in group lane order), and for the 512-bit path the quants rearranged
    /// so that one load lines up with the low (or high) nibbles of four consecutive weight blocks.
    /// </summary>
    private readonly unsafe struct Digest(byte* memory, int groups, byte* activation)
    {
        public readonly int Groups = groups;
        public readonly float* Scales = (float*)memory;
        public readonly int* Biases = (int*)(memory + 4 * GroupBlocks * groups);
        public readonly byte* Quants = memory + 8 * GroupBlocks * groups;
        public readonly byte* Activation = activation;

        public static int Bytes(int groups) => groups * GroupBlocks * (8 + BlockSize);

        public void Fill()
        {
            byte* activation = Activation;
            var order = BlockPositionSums.PositionOfLane;
            for (int g = 0; g < Groups; g++)
            {
                for (int lane = 0; lane < GroupBlocks; lane++)
                {
                    byte* a = activation + (g * GroupBlocks + order[lane]) * ActivationBlockBytes;
                    Scales[g * GroupBlocks + lane] = Q8_0Kernels.Scale(ref *a);
                    Biases[g * GroupBlocks + lane] = 8 * Q8_0Kernels.QuantSum(a);
                }
                for (int b = 0; b < GroupBlocks; b++)
                {
                    // Block b's first 16 quants pair with low nibbles, its last 16 with high nibbles.
                    byte* a = activation + (g * GroupBlocks + b) * ActivationBlockBytes + 2;
                    byte* q = Quants + g * GroupBlocks * BlockSize + (b / 4) * 128 + (b % 4) * 16;
                    Buffer.MemoryCopy(a, q, 16, 16);
                    Buffer.MemoryCopy(a + 16, q + 64, 16, 16);
                }
            }
        }
    }
}
