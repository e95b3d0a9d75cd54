using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Several weight rows of a 32-element format (<see cref="IBlock32Codes"/>) against one activation row, the
/// matrix × vector of decoding. Four rows share each activation block load and one reduction of their int lanes
/// (<see cref="SuperBlockLanes.Totals"/>); every row gets exactly the ints and, lane by lane, the float steps of the
/// one-row <see cref="Block32Kernels{TCodes}.Dot"/>, in its block order, so each
/// result equals <see cref="Block32Kernels{TCodes}.DotScalar"/> of that row to the bit and the row-by-row
/// scalar dots are this kernel's twin.
/// </summary>
internal static class Block32RowsKernels<TCodes> where TCodes : struct, IBlock32Codes
{
    private const int BlockSize = Block32Kernels<TCodes>.BlockSize;
    private const int RowsPerPass = 4;

    public static void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int blocks = RowChecks.BlockCount(length, BlockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        int weightBytes = TCodes.WeightBlockBytes, activationBytes = Block32Kernels<TCodes>.ActivationBlockBytes;
        int rowBytes = blocks * weightBytes;
        RowChecks.Bytes(weightRows, (long)rowCount * rowBytes, "weight rows");
        RowChecks.Bytes(activationRow, (long)blocks * activationBytes, "activation row");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        int r = 0;
        if (Int8MultiplyAdd.Is256Supported)
        {
            ref byte w = ref MemoryMarshal.GetReference(weightRows);
            ref byte a = ref MemoryMarshal.GetReference(activationRow);
            nuint quants = Block32Kernels<TCodes>.ActivationQuantsOffset;
            for (; r + RowsPerPass <= rowCount; r += RowsPerPass)
            {
                ref byte w0 = ref Unsafe.Add(ref w, r * rowBytes);
                ref byte w1 = ref Unsafe.Add(ref w0, rowBytes);
                ref byte w2 = ref Unsafe.Add(ref w1, rowBytes);
                ref byte w3 = ref Unsafe.Add(ref w2, rowBytes);
                var sums = Vector128<float>.Zero;
                for (int b = 0; b < blocks; b++)
                {
                    ref byte ab = ref Unsafe.Add(ref a, b * activationBytes);
                    var aq = Vector256.LoadUnsafe(ref ab, quants).AsSByte();
                    int o = b * weightBytes;
                    // One transposing reduction for the four rows' lanes, the float steps lane by lane.
                    var isums = SuperBlockLanes.Totals(Lanes(ref Unsafe.Add(ref w0, o), aq), Lanes(ref Unsafe.Add(ref w1, o), aq),
                        Lanes(ref Unsafe.Add(ref w2, o), aq), Lanes(ref Unsafe.Add(ref w3, o), aq));
                    sums = AddBlocks(sums, ref Unsafe.Add(ref w0, o), ref Unsafe.Add(ref w1, o), ref Unsafe.Add(ref w2, o), ref Unsafe.Add(ref w3, o), ref ab, isums);
                }
                destination[r] = sums.GetElement(0);
                destination[r + 1] = sums.GetElement(1);
                destination[r + 2] = sums.GetElement(2);
                destination[r + 3] = sums.GetElement(3);
            }
        }
        for (; r < rowCount; r++)
            destination[r] = Block32Kernels<TCodes>.Dot(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Lanes(ref byte weightBlock, Vector256<sbyte> activationQuants) =>
        Int8MultiplyAdd.Signed(Vector256<int>.Zero, TCodes.Codes256(ref weightBlock), activationQuants);

    /// <summary>
    /// <see cref="Block32Kernels{TCodes}.AddBlock"/> for four rows' blocks, lane by lane:
    /// <c>sum += (d · d8) · isum</c>, then with mins <c>sum += m · s8</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> AddBlocks(Vector128<float> sums, ref byte b0, ref byte b1, ref byte b2, ref byte b3, ref byte activationBlock, Vector128<int> isums)
    {
        sums += SuperBlockLanes.Scales(ref b0, ref b1, ref b2, ref b3, 0) * Vector128.Create(Q8_0Kernels.Scale(ref activationBlock)) * Vector128.ConvertToSingle(isums);
        if (TCodes.HasMin)
            sums += SuperBlockLanes.Scales(ref b0, ref b1, ref b2, ref b3, Block32Kernels<TCodes>.MinOffset)
                * Vector128.Create(Q8_0Kernels.Scale(ref Unsafe.Add(ref activationBlock, Q8_1Kernels.SumOffset)));
        return sums;
    }
}
