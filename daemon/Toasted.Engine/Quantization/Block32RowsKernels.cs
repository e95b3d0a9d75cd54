using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Several weight rows of a 32-element format (<see cref="IBlock32Codes"/>) against one activation row, the
/// matrix × vector of decoding. Four rows share each activation block load; every row gets exactly the ints
/// and the float steps of the one-row <see cref="Block32Kernels{TCodes}.Dot"/>, in its block order, so each
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
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int b = 0; b < blocks; b++)
                {
                    ref byte ab = ref Unsafe.Add(ref a, b * activationBytes);
                    var aq = Vector256.LoadUnsafe(ref ab, quants).AsSByte();
                    int o = b * weightBytes;
                    s0 = Row(s0, ref Unsafe.Add(ref w0, o), ref ab, aq);
                    s1 = Row(s1, ref Unsafe.Add(ref w1, o), ref ab, aq);
                    s2 = Row(s2, ref Unsafe.Add(ref w2, o), ref ab, aq);
                    s3 = Row(s3, ref Unsafe.Add(ref w3, o), ref ab, aq);
                }
                destination[r] = s0;
                destination[r + 1] = s1;
                destination[r + 2] = s2;
                destination[r + 3] = s3;
            }
        }
        for (; r < rowCount; r++)
            destination[r] = Block32Kernels<TCodes>.Dot(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Row(float sum, ref byte weightBlock, ref byte activationBlock, Vector256<sbyte> activationQuants)
    {
        var lanes = Int8MultiplyAdd.Signed(Vector256<int>.Zero, TCodes.Codes256(ref weightBlock), activationQuants);
        return Block32Kernels<TCodes>.AddBlock(sum, ref weightBlock, ref activationBlock, Vector256.Sum(lanes));
    }
}
