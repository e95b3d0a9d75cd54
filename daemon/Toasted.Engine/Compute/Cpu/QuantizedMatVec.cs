namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Matrix × vector for one token: a range of weight rows against one activation row that is already in
/// the weight type's activation format. The rows go to the type's multi-row kernel
/// (<see cref="Quantization.QuantTraits.DotRows"/>) in chunks, so one call reads each weight byte once,
/// shares every activation load between several rows and computes the activation-side constants once per chunk.
/// </summary>
internal static unsafe class QuantizedMatVec
{
    /// <summary>Rows per kernel call: large enough to amortise the kernel's per-call activation work,
    /// small enough that the weight span of a call always fits an int.</summary>
    private const int RowsPerCall = 256;

    internal static void Rows(CpuWeightTensor weight, ReadOnlySpan<byte> activation, int firstRow, int endRow, float* destination)
    {
        if ((uint)firstRow > (uint)endRow || endRow > weight.Rows)
            throw new ArgumentOutOfRangeException(nameof(endRow), $"rows [{firstRow}, {endRow}) outside 0..{weight.Rows}");
        if (weight.Interleaved is { } interleaved)
        {
            // Whole groups inside the range take the interleaved kernel; the edges the per-row one.
            int rowsPerGroup = interleaved.RowsPerGroup;
            int firstGroup = (firstRow + rowsPerGroup - 1) / rowsPerGroup;
            int endGroup = Math.Min(endRow / rowsPerGroup, interleaved.Groups);
            if (firstGroup < endGroup)
            {
                fixed (byte* a = activation)
                    interleaved.Dot(firstGroup, endGroup, a, destination);
                RowsInPlace(weight, activation, firstRow, firstGroup * rowsPerGroup, destination);
                RowsInPlace(weight, activation, endGroup * rowsPerGroup, endRow, destination);
                return;
            }
        }
        RowsInPlace(weight, activation, firstRow, endRow, destination);
    }

    private static void RowsInPlace(CpuWeightTensor weight, ReadOnlySpan<byte> activation, int firstRow, int endRow, float* destination)
    {
        var dotRows = weight.Traits.DotRows;
        long rowBytes = weight.RowBytes;
        int chunk = (int)Math.Clamp(int.MaxValue / Math.Max(rowBytes, 1), 1, RowsPerCall);
        for (int r = firstRow; r < endRow; r += chunk)
        {
            int count = Math.Min(chunk, endRow - r);
            var rows = new ReadOnlySpan<byte>(weight.Data + r * rowBytes, (int)(count * rowBytes));
            dotRows(rows, count, activation, weight.RowLength, new Span<float>(destination + r, count));
        }
    }
}
