namespace Toasted.Engine.Quantization;

/// <summary>Expands a row of encoded blocks into floats (one float per element).</summary>
public delegate void DequantizeRow(ReadOnlySpan<byte> blocks, Span<float> destination);

/// <summary>Encodes a float row into blocks of some type.</summary>
public delegate void QuantizeRow(ReadOnlySpan<float> source, Span<byte> blocks);

/// <summary>
/// Dot product of one weight row (in the weight type) with one activation row already converted to the
/// weight type's <see cref="QuantTraits.ActivationType"/>; <paramref name="length"/> counts elements.
/// </summary>
public delegate float VecDot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length);

/// <summary>
/// Dots of <paramref name="rowCount"/> consecutive weight rows (packed one after another in
/// <paramref name="weightRows"/>) with one activation row: <c>destination[r]</c> for r in [0, rowCount).
/// </summary>
public delegate void VecDotRows(ReadOnlySpan<byte> weightRows, int rowCount, ReadOnlySpan<byte> activationRow, int length, Span<float> destination);
