namespace Toasted.Engine.Compute;

/// <summary>
/// Float32 activations in backend memory, <see cref="Rows"/> (tokens) × <see cref="Columns"/>.
/// Contents may only be read after the step that wrote them was submitted.
/// </summary>
public abstract class ComputeBuffer
{
    protected ComputeBuffer(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
    }

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>A view of rows [firstRow, firstRow + rowCount) sharing this buffer's memory.</summary>
    public abstract ComputeBuffer Slice(int firstRow, int rowCount);

    /// <summary>Copies the contents out (a synchronisation point on asynchronous backends).</summary>
    public abstract void CopyTo(Span<float> destination);
}
