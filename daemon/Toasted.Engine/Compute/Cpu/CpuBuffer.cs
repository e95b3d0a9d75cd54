using System.Runtime.InteropServices;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>Activations in 64-byte-aligned native memory (no GC moves, aligned vector loads).</summary>
public sealed unsafe class CpuBuffer : ComputeBuffer, IDisposable
{
    private readonly CpuBuffer? _owner;
    private bool _disposed;

    public CpuBuffer(int rows, int columns) : base(rows, columns)
    {
        var bytes = (nuint)rows * (nuint)columns * sizeof(float);
        Data = (float*)NativeMemory.AlignedAlloc(Math.Max(bytes, 64), 64);
        NativeMemory.Clear(Data, bytes);
    }

    private CpuBuffer(CpuBuffer owner, float* data, int rowCount, int columns) : base(rowCount, columns)
    {
        _owner = owner;
        Data = data;
    }

    public float* Data { get; }

    public Span<float> Row(int row) => new(Data + (long)row * Columns, Columns);

    public Span<float> All => new(Data, Rows * Columns);

    public override ComputeBuffer Slice(int firstRow, int rowCount)
    {
        if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > Rows)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows [{firstRow}, {firstRow + rowCount}) outside 0..{Rows}");
        return new CpuBuffer(_owner ?? this, Data + (long)firstRow * Columns, rowCount, Columns);
    }

    /// <summary>The first rows·columns floats of this buffer's memory viewed as (rows × columns).</summary>
    internal CpuBuffer Reshape(int rows, int columns)
    {
        if (rows < 0 || columns < 0 || (long)rows * columns > (long)Rows * Columns)
            throw new ArgumentOutOfRangeException(nameof(rows), $"({rows}×{columns}) does not fit in ({Rows}×{Columns})");
        return new CpuBuffer(_owner ?? this, Data, rows, columns);
    }

    public override void CopyTo(Span<float> destination) => All.CopyTo(destination);

    public void Dispose()
    {
        if (_owner is not null || _disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(Data);
    }
}
