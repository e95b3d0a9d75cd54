using Toasted.Engine.Quantization;

namespace Toasted.Engine.Gguf;

/// <summary>
/// A tensor's entry in the GGUF header. <see cref="Dimensions"/> are in GGUF order: the first is the
/// innermost (row length), so a weight of shape (out, in) is stored as [in, out].
/// <see cref="Offset"/> is relative to the start of the data section; <see cref="ByteSize"/> follows
/// from the type's block layout.
/// </summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Dimensions, long Offset, long ByteSize)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dimensions) n *= d;
            return n;
        }
    }

    /// <summary>Length of one row (the innermost dimension).</summary>
    public long RowLength => Dimensions.Length == 0 ? 1 : Dimensions[0];

    /// <summary>Number of rows: the product of all dimensions but the innermost.</summary>
    public long RowCount => RowLength == 0 ? 0 : ElementCount / RowLength;
}
