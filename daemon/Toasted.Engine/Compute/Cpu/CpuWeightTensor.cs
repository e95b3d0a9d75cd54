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

    private CpuWeightTensor[]? _experts;

    /// <summary>
    /// Expert <paramref name="expert"/> of a 3-D expert tensor (rows of <paramref name="rowsPerExpert"/> each) as a
    /// weight of its own, reading the same file rows and, when its rows are whole groups, a view on this tensor's
    /// interleaved copy. Made once per tensor and kept: decode multiplies by several experts per layer and token.
    /// </summary>
    internal CpuWeightTensor Expert(int expert, int rowsPerExpert)
    {
        var experts = _experts;
        if (experts is null || experts[0].Rows != rowsPerExpert)
            _experts = experts = SplitExperts(rowsPerExpert);
        return experts[expert];
    }

    private CpuWeightTensor[] SplitExperts(int rowsPerExpert)
    {
        var experts = new CpuWeightTensor[Rows / rowsPerExpert];
        int rowsPerGroup = InterleavedRows.RowsPerGroupOf(Type);
        int groups = rowsPerExpert / rowsPerGroup;
        bool wholeGroups = rowsPerExpert % rowsPerGroup == 0;
        for (int e = 0; e < experts.Length; e++)
        {
            experts[e] = new CpuWeightTensor($"{Name}[{e}]", Type, RowLength, rowsPerExpert, Data + (long)e * rowsPerExpert * RowBytes, RowBytes);
            if (Interleaved is { } interleaved && wholeGroups)
                experts[e].Interleaved = interleaved.Slice(e * groups, groups);
        }
        return experts;
    }
}
