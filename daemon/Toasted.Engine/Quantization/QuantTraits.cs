namespace Toasted.Engine.Quantization;

/// <summary>
/// One row of the traits table: how a weight type is stored, what its activations are converted to before
/// a dot product (llama.cpp's vec_dot_type), and its kernels. <see cref="Dequantize"/>, <see cref="Dot"/> and <see cref="DotRows"/>
/// pick the widest vector instructions available; the scalar twins are the reference they are tested against.
/// </summary>
public sealed class QuantTraits
{
    public required GgmlType Type { get; init; }
    public required int BlockSize { get; init; }
    public required int BytesPerBlock { get; init; }
    public required GgmlType ActivationType { get; init; }
    public required DequantizeRow Dequantize { get; init; }
    public required VecDot Dot { get; init; }
    public required DequantizeRow DequantizeScalar { get; init; }
    public required VecDot DotScalar { get; init; }
    /// <summary>Dots of consecutive weight rows with one activation row (matrix × vector).</summary>
    public required VecDotRows DotRows { get; init; }
    /// <summary>The twin of <see cref="DotRows"/>: the same ints and float steps in the same order, without vectors.</summary>
    public required VecDotRows DotRowsScalar { get; init; }

    /// <summary>Bytes of a row of <paramref name="n"/> elements; <paramref name="n"/> must be a whole number of blocks.</summary>
    public long RowBytes(long n)
    {
        if (n < 0 || n % BlockSize != 0)
            throw new ArgumentException($"{n} elements is not a whole number of {Type} blocks of {BlockSize}");
        return n / BlockSize * BytesPerBlock;
    }
}
