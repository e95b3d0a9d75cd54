using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// IEEE half-precision conversions on raw bits, scalar and for every vector width. Half to float is exact;
/// float to half rounds to nearest even (what F16C's vcvtps2ph does for llama.cpp), overflowing to infinity.
/// Vector versions work on 32-bit lanes holding the half's 16 bits in their low half.
/// </summary>
internal readonly struct Float16Bits : ISixteenBitFloat
{
    // Half to float, scalar: normal halves only need their exponent rebiased from 15 to 127 in the integer
    // domain; a subnormal half is its mantissa times 2^-24, computed from the (exactly converted) integer mantissa.
    // Vectors do both in one exact multiply: the half's exponent and mantissa moved to a float's places read
    // as a float 2^(127 − 15) times too small (a float subnormal for a half subnormal), and times 2^112 it is
    // the half's value. Only infinities and NaNs need a select. Zen and recent Intel cores multiply float
    // subnormal inputs at full speed when the product is normal.
    private const uint MagnitudeBits = 0x7FFFu << 13;
    private const uint ExponentGapBits = (127 + 112) << 23;
    private const uint RebiasBits = (127 - 15) << 23;
    private const uint TwoPowMinus24Bits = (127 - 24) << 23;
    private const uint HalfNormalMinField = 0x0400;
    private const uint HalfInfinityField = 0x7C00;
    private const uint FloatExponentMask = 0x7F800000;
    // Floats at or above 2^16 are infinite as halves; below 2^-14 they are half subnormals (or zero).
    private const uint HalfOverflowBits = (127 + 16) << 23;
    private const uint HalfNormalMinBits = 113 << 23;
    // Adding 0.5f aligns a tiny float so that the hardware add rounds it to a half subnormal's mantissa.
    private const uint SubnormalMagicBits = 126 << 23;
    private const uint RebiasAndRoundBits = unchecked((uint)((15 - 127) << 23) + 0xFFF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort half)
    {
        uint sign = (uint)(half & 0x8000) << 16;
        uint magnitudeField = (uint)half & 0x7FFF;
        uint bits = magnitudeField >= HalfInfinityField ? (magnitudeField << 13) | FloatExponentMask
            : magnitudeField >= HalfNormalMinField ? (magnitudeField << 13) + RebiasBits
            : BitConverter.SingleToUInt32Bits((int)magnitudeField * BitConverter.UInt32BitsToSingle(TwoPowMinus24Bits));
        return BitConverter.UInt32BitsToSingle(bits | sign);
    }

    /// <summary>Round-to-nearest-even half bits of <paramref name="value"/>; NaN becomes a quiet NaN of the same sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value)
    {
        uint f = BitConverter.SingleToUInt32Bits(value);
        uint sign = f & 0x80000000;
        f ^= sign;
        uint half;
        if (f >= HalfOverflowBits)
            half = f > FloatExponentMask ? 0x7E00u : 0x7C00u;
        else if (f < HalfNormalMinBits)
            half = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(f) + BitConverter.UInt32BitsToSingle(SubnormalMagicBits)) - SubnormalMagicBits;
        else
            half = (f + RebiasAndRoundBits + ((f >> 13) & 1)) >> 13;
        return (ushort)(half | (sign >> 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> half)
    {
        var sign = (half & Vector512.Create(0x8000u)) << 16;
        var shifted = (half << 13) & Vector512.Create(MagnitudeBits);
        var finite = (shifted.AsSingle() * Vector512.Create(ExponentGapBits).AsSingle()).AsUInt32();
        var special = shifted | Vector512.Create(FloatExponentMask);
        var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(shifted, Vector512.Create(HalfInfinityField << 13)), special, finite);
        return (result | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> half)
    {
        var sign = (half & Vector256.Create(0x8000u)) << 16;
        var shifted = (half << 13) & Vector256.Create(MagnitudeBits);
        var finite = (shifted.AsSingle() * Vector256.Create(ExponentGapBits).AsSingle()).AsUInt32();
        var special = shifted | Vector256.Create(FloatExponentMask);
        var result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(shifted, Vector256.Create(HalfInfinityField << 13)), special, finite);
        return (result | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> half)
    {
        var sign = (half & Vector128.Create(0x8000u)) << 16;
        var shifted = (half << 13) & Vector128.Create(MagnitudeBits);
        var finite = (shifted.AsSingle() * Vector128.Create(ExponentGapBits).AsSingle()).AsUInt32();
        var special = shifted | Vector128.Create(FloatExponentMask);
        var result = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(shifted, Vector128.Create(HalfInfinityField << 13)), special, finite);
        return (result | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> FromSingle(Vector512<float> value)
    {
        var f = value.AsUInt32();
        var sign = f & Vector512.Create(0x80000000u);
        f ^= sign;
        var overflow = Vector512.ConditionalSelect(Vector512.GreaterThan(f, Vector512.Create(FloatExponentMask)), Vector512.Create(0x7E00u), Vector512.Create(0x7C00u));
        var magic = Vector512.Create(SubnormalMagicBits);
        var subnormal = (f.AsSingle() + magic.AsSingle()).AsUInt32() - magic;
        var normal = (f + Vector512.Create(RebiasAndRoundBits) + ((f >> 13) & Vector512<uint>.One)) >> 13;
        var result = Vector512.ConditionalSelect(Vector512.LessThan(f, Vector512.Create(HalfNormalMinBits)), subnormal, normal);
        result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(f, Vector512.Create(HalfOverflowBits)), overflow, result);
        return result | (sign >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> FromSingle(Vector256<float> value)
    {
        var f = value.AsUInt32();
        var sign = f & Vector256.Create(0x80000000u);
        f ^= sign;
        var overflow = Vector256.ConditionalSelect(Vector256.GreaterThan(f, Vector256.Create(FloatExponentMask)), Vector256.Create(0x7E00u), Vector256.Create(0x7C00u));
        var magic = Vector256.Create(SubnormalMagicBits);
        var subnormal = (f.AsSingle() + magic.AsSingle()).AsUInt32() - magic;
        var normal = (f + Vector256.Create(RebiasAndRoundBits) + ((f >> 13) & Vector256<uint>.One)) >> 13;
        var result = Vector256.ConditionalSelect(Vector256.LessThan(f, Vector256.Create(HalfNormalMinBits)), subnormal, normal);
        result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(f, Vector256.Create(HalfOverflowBits)), overflow, result);
        return result | (sign >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> FromSingle(Vector128<float> value)
    {
        var f = value.AsUInt32();
        var sign = f & Vector128.Create(0x80000000u);
        f ^= sign;
        var overflow = Vector128.ConditionalSelect(Vector128.GreaterThan(f, Vector128.Create(FloatExponentMask)), Vector128.Create(0x7E00u), Vector128.Create(0x7C00u));
        var magic = Vector128.Create(SubnormalMagicBits);
        var subnormal = (f.AsSingle() + magic.AsSingle()).AsUInt32() - magic;
        var normal = (f + Vector128.Create(RebiasAndRoundBits) + ((f >> 13) & Vector128<uint>.One)) >> 13;
        var result = Vector128.ConditionalSelect(Vector128.LessThan(f, Vector128.Create(HalfNormalMinBits)), subnormal, normal);
        result = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(f, Vector128.Create(HalfOverflowBits)), overflow, result);
        return result | (sign >> 16);
    }
}
