namespace Toasted.Engine.Gguf;

/// <summary>
/// One metadata value. Scalars are boxed CLR values of the matching width (uint for UInt32,
/// float for Float32, string for String…); arrays are <see cref="GgufArray"/>.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value)
{
    /// <summary>Any integer type widened to long; throws for non-integers or ulong values past long.MaxValue.</summary>
    public long AsInteger() => Value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        ulong v when v <= long.MaxValue => (long)v,
        long v => v,
        bool v => v ? 1 : 0,
        _ => throw new InvalidCastException($"GGUF value of type {Type} is not an integer"),
    };

    public double AsDouble() => Value switch
    {
        float f => f,
        double d => d,
        _ => AsInteger(),
    };
}
