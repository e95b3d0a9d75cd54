using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// bfloat16 conversions on raw bits. bf16 is the top half of a float, so widening is a shift; narrowing
/// rounds to nearest even exactly as ggml's GGML_FP32_TO_BF16 does, and turns NaN into a quiet NaN by
/// setting bit 6 of the truncated bits.
/// </summary>
internal readonly struct BFloat16Bits : ISixteenBitFloat
{
    private const uint AbsMask = 0x7FFFFFFF;
    private const uint Infinity = 0x7F800000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> bits) => (bits << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> bits) => (bits << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> bits) => (bits << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & AbsMask) > Infinity) return (ushort)((u >> 16) | 64);
        return (ushort)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> FromSingle(Vector512<float> value)
    {
        var u = value.AsUInt32();
        var rounded = (u + Vector512.Create(0x7FFFu) + ((u >> 16) & Vector512<uint>.One)) >> 16;
        var quietNaN = (u >> 16) | Vector512.Create(64u);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(u & Vector512.Create(AbsMask), Vector512.Create(Infinity)), quietNaN, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> FromSingle(Vector256<float> value)
    {
        var u = value.AsUInt32();
        var rounded = (u + Vector256.Create(0x7FFFu) + ((u >> 16) & Vector256<uint>.One)) >> 16;
        var quietNaN = (u >> 16) | Vector256.Create(64u);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(u & Vector256.Create(AbsMask), Vector256.Create(Infinity)), quietNaN, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> FromSingle(Vector128<float> value)
    {
        var u = value.AsUInt32();
        var rounded = (u + Vector128.Create(0x7FFFu) + ((u >> 16) & Vector128<uint>.One)) >> 16;
        var quietNaN = (u >> 16) | Vector128.Create(64u);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(u & Vector128.Create(AbsMask), Vector128.Create(Infinity)), quietNaN, rounded);
    }
}
