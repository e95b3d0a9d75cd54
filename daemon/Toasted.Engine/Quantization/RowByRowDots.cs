namespace Toasted.Engine.Quantization;

/// <summary>
/// Multi-row dots for the types without a dedicated multi-row kernel (F32, F16, BF16): one call of the
/// one-row dot per row. Float weights are two to four bytes per element, so these matrix × vector products
/// are bound by memory traffic, not by the per-row overhead.
/// </summary>
internal sealed class RowByRowDots(VecDot dot, int bytesPerElement)
{
    public void DotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination)
    {
        int rowBytes = length * bytesPerElement;
        RowChecks.Bytes(weightRows, (long)rowCount * rowBytes, "weight rows");
        RowChecks.Floats(destination.Length, rowCount, "destination");
        for (int r = 0; r < rowCount; r++)
            destination[r] = dot(weightRows.Slice(r * rowBytes, rowBytes), activationRow, length);
    }
}
