using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Conversions of a 16-bit float format on raw bits, scalar and for every vector width; vector forms
/// work on 32-bit lanes holding the 16 bits in their low half.
/// </summary>
internal interface ISixteenBitFloat
{
    static abstract float ToSingle(ushort bits);
    static abstract ushort FromSingle(float value);
    static abstract Vector512<float> ToSingle(Vector512<uint> bits);
    static abstract Vector256<float> ToSingle(Vector256<uint> bits);
    static abstract Vector128<float> ToSingle(Vector128<uint> bits);
    static abstract Vector512<uint> FromSingle(Vector512<float> value);
    static abstract Vector256<uint> FromSingle(Vector256<float> value);
    static abstract Vector128<uint> FromSingle(Vector128<float> value);
}
