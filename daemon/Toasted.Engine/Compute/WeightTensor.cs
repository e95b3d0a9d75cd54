using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute;

/// <summary>
/// A weight matrix resident in a backend: <see cref="Rows"/> rows of <see cref="RowLength"/>
/// elements in <see cref="Type"/>'s block layout. A 1-D tensor (a norm weight, a bias) has one row.
/// Model code never looks at the bytes: the backend's ops know the format.
/// </summary>
public abstract class WeightTensor
{
    protected WeightTensor(string name, GgmlType type, int rowLength, int rows)
    {
        Name = name;
        Type = type;
        RowLength = rowLength;
        Rows = rows;
    }

    public string Name { get; }
    public GgmlType Type { get; }
    public int RowLength { get; }
    public int Rows { get; }

    public override string ToString() => $"{Name} {Type} ({Rows}×{RowLength})";
}
