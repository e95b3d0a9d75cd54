namespace Toasted.Engine.Quantization;

/// <summary>
/// Multi-row dots for the types without a dedicated multi-row kernel (F32, F16, BF16): one call of the one-row
/// dot per row. Float weights are two to four bytes per element, so these matrix × vector products are bound by
/// memory traffic, not by the per-row overhead.
/// Over a scalar one-row dot it is also the twin of the four-row kernels that keep the one-row order
/// (Q4_1, Q5_0, Q5_1, IQ4_NL).
/// </summary>
internal sealed class RowByRowDots(VecDot dot, int blockSize, int bytesPerBlock)
{
    /// <summary>For one-element "blocks" (the float types).</summary>
    public RowByRowDots(VecDot dot, int bytesPerElement) : this(dot, 1, bytesPerElement) { }

    public void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int rowBytes = RowChecks.BlockCount(length, blockSize) * bytesPerBlock;
        RowChecks.Bytes(weightRows, (long)rowCount * rowBytes, "weight rows");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        for (int r = 0; r < rowCount; r++)
            destination[r] = dot(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
    }
}
