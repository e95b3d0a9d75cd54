using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The float vector operations a kernel needs, for one vector width. A kernel written once over a
/// struct type argument implementing this is specialised by the JIT for each width, with every
/// call inlined, so the three widths share one body instead of three copies of it.
/// </summary>
internal unsafe interface IFloatLanes<TVector> where TVector : struct
{
    static abstract int Count { get; }

    /// <summary>Whether the instruction set behind this width has 32 vector registers (AVX-512)
    /// rather than 16, room for register tiles twice as large.</summary>
    static abstract bool HasThirtyTwoRegisters { get; }
    static abstract TVector Zero { get; }
    static abstract TVector NegativeInfinity { get; }
    static abstract TVector Load(float* source);
    static abstract void Store(TVector value, float* destination);
    static abstract TVector Broadcast(float value);
    static abstract TVector Multiply(TVector left, TVector right);
    static abstract TVector Subtract(TVector left, TVector right);
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
    /// <summary>The larger lane, with the hardware's own rule for NaN and for +0 against −0 (one
    /// instruction, where IEEE's maximum takes three in a chain); scores are never NaN, and
    /// either zero gives the same exponentials.</summary>
    static abstract TVector Max(TVector left, TVector right);
    static abstract TVector Exp(TVector value);

    /// <summary>Each lane rounded to the nearest F16 (ties to even) and back, as an F16 operand of
    /// ggml would be, for lanes in [0, 65504] such as softmax weights. Cheaper than the general
    /// conversion pair: a normal half keeps the float's top ten mantissa bits, rounded in the
    /// integer domain (a carry moves into the exponent, as it should); below 2^-14 halves are
    /// multiples of 2^-24, the ulp of 0.5, so adding and subtracting 0.5 rounds to one.</summary>
    static abstract TVector RoundNonNegativeToHalf(TVector value);

    /// <summary>Adds the lanes of <paramref name="value"/>, widened to double, to two double
    /// accumulators (the lower and upper lanes) kept in float vectors' registers.</summary>
    static abstract void AddInDouble(TVector value, ref TVector lower, ref TVector upper);

    /// <summary>(float)(1.0 / sum) per lane of the two double accumulators.</summary>
    static abstract TVector ReciprocalOfDouble(TVector lower, TVector upper);
}

internal readonly unsafe struct FloatLanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static bool HasThirtyTwoRegisters => true;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> NegativeInfinity => Vector512.Create(float.NegativeInfinity);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Vector512.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.MaxNative(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Exp(Vector512<float> value) => VectorExp.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RoundNonNegativeToHalf(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var normal = (bits + Vector512.Create(HalfRounding.DroppedBitsHalf) + ((bits >> HalfRounding.DroppedBits) & Vector512<uint>.One)) & Vector512.Create(HalfRounding.KeptBitsMask);
        var half = Vector512.Create(0.5f);
        var subnormal = value + half - half;
        return Vector512.ConditionalSelect(Vector512.LessThan(value, Vector512.Create(HalfRounding.SmallestNormal)), subnormal, normal.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInDouble(Vector512<float> value, ref Vector512<float> lower, ref Vector512<float> upper)
    {
        var (low, high) = Vector512.Widen(value);
        lower = (lower.AsDouble() + low).AsSingle();
        upper = (upper.AsDouble() + high).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReciprocalOfDouble(Vector512<float> lower, Vector512<float> upper) =>
        Vector512.Narrow(Vector512<double>.One / lower.AsDouble(), Vector512<double>.One / upper.AsDouble());
}

internal readonly unsafe struct FloatLanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static bool HasThirtyTwoRegisters => false;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> NegativeInfinity => Vector256.Create(float.NegativeInfinity);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) => Vector256.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.MaxNative(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Exp(Vector256<float> value) => VectorExp.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RoundNonNegativeToHalf(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var normal = (bits + Vector256.Create(HalfRounding.DroppedBitsHalf) + ((bits >> HalfRounding.DroppedBits) & Vector256<uint>.One)) & Vector256.Create(HalfRounding.KeptBitsMask);
        var half = Vector256.Create(0.5f);
        var subnormal = value + half - half;
        return Vector256.ConditionalSelect(Vector256.LessThan(value, Vector256.Create(HalfRounding.SmallestNormal)), subnormal, normal.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInDouble(Vector256<float> value, ref Vector256<float> lower, ref Vector256<float> upper)
    {
        var (low, high) = Vector256.Widen(value);
        lower = (lower.AsDouble() + low).AsSingle();
        upper = (upper.AsDouble() + high).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReciprocalOfDouble(Vector256<float> lower, Vector256<float> upper) =>
        Vector256.Narrow(Vector256<double>.One / lower.AsDouble(), Vector256<double>.One / upper.AsDouble());
}

internal readonly unsafe struct FloatLanes128 : IFloatLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static bool HasThirtyTwoRegisters => false;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> NegativeInfinity => Vector128.Create(float.NegativeInfinity);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) => Vector128.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => Vector128.MaxNative(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Exp(Vector128<float> value) => VectorExp.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> RoundNonNegativeToHalf(Vector128<float> value)
    {
        var bits = value.AsUInt32();
        var normal = (bits + Vector128.Create(HalfRounding.DroppedBitsHalf) + ((bits >> HalfRounding.DroppedBits) & Vector128<uint>.One)) & Vector128.Create(HalfRounding.KeptBitsMask);
        var half = Vector128.Create(0.5f);
        var subnormal = value + half - half;
        return Vector128.ConditionalSelect(Vector128.LessThan(value, Vector128.Create(HalfRounding.SmallestNormal)), subnormal, normal.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInDouble(Vector128<float> value, ref Vector128<float> lower, ref Vector128<float> upper)
    {
        var (low, high) = Vector128.Widen(value);
        lower = (lower.AsDouble() + low).AsSingle();
        upper = (upper.AsDouble() + high).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReciprocalOfDouble(Vector128<float> lower, Vector128<float> upper) =>
        Vector128.Narrow(Vector128<double>.One / lower.AsDouble(), Vector128<double>.One / upper.AsDouble());
}

/// <summary>The constants of <see cref="IFloatLanes{TVector}.RoundNonNegativeToHalf"/>, and its scalar form.</summary>
internal static class HalfRounding
{
    /// <summary>Float mantissa bits a half does not have.</summary>
    public const int DroppedBits = 13;
    public const uint DroppedBitsHalf = (1u << (DroppedBits - 1)) - 1;
    public const uint KeptBitsMask = ~((1u << DroppedBits) - 1);
    /// <summary>2^-14, the smallest normal half.</summary>
    public const float SmallestNormal = 6.103515625e-05f;

    public static float RoundNonNegative(float value)
    {
        if (value < SmallestNormal) return value + 0.5f - 0.5f;
        var bits = BitConverter.SingleToUInt32Bits(value);
        return BitConverter.UInt32BitsToSingle((bits + DroppedBitsHalf + ((bits >> DroppedBits) & 1)) & KeptBitsMask);
    }
}
