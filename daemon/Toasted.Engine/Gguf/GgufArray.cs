namespace Toasted.Engine.Gguf;

/// <summary>
/// A metadata array. <see cref="Items"/> is a typed CLR array: byte[], sbyte[], ushort[], short[],
/// uint[], int[], float[], bool[], string[], ulong[], long[], double[], or GgufArray[] when nested.
/// </summary>
public sealed record GgufArray(GgufValueType ElementType, Array Items)
{
    public int Count => Items.Length;
}
