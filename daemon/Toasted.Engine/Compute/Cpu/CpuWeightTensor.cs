using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// A weight viewed in place in the memory-mapped model file. Types whose decode kernels read a regrouped
/// layout also carry <see cref="Interleaved"/>, a copy made once at load.
/// </summary>
public sealed unsafe class CpuWeightTensor : WeightTensor
{
    public CpuWeightTensor(string name, GgmlType type, int rowLength, int rows, byte* data, long rowBytes)
        : base(name, type, rowLength, rows)
    {
        Data = data;
        RowBytes = rowBytes;
        Traits = QuantTraitsTable.Get(type);
    }

    public byte* Data { get; }
    public long RowBytes { get; }
    public QuantTraits Traits { get; }

    /// <summary>The rows regrouped for matrix × vector, when the type and core have such a kernel.</summary>
    internal InterleavedRows? Interleaved { get; set; }

    public ReadOnlySpan<byte> Row(int row) => new(Data + row * RowBytes, (int)RowBytes);
}
