using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// The float vector operations a kernel needs, for one vector width. A kernel written once over a
/// struct type argument implementing this is specialised by the JIT for each width, with every
/// call inlined, so the three widths share one body instead of three copies of it.
/// </summary>
internal unsafe interface IFloatLanes<TVector> where TVector : struct
{
    static abstract int Count { get; }
    static abstract TVector Zero { get; }
    static abstract TVector NegativeInfinity { get; }
    static abstract TVector Load(float* source);
    static abstract void Store(TVector value, float* destination);
    static abstract TVector Broadcast(float value);
    static abstract TVector Multiply(TVector left, TVector right);
    static abstract TVector Subtract(TVector left, TVector right);
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
    static abstract TVector Max(TVector left, TVector right);
    static abstract TVector Exp(TVector value);

    /// <summary>Each lane rounded to the nearest F16 and back, as an F16 operand of ggml would be.</summary>
    static abstract TVector RoundToHalf(TVector value);

    /// <summary>Adds the lanes of <paramref name="value"/>, widened to double, to two double
    /// accumulators (the lower and upper lanes) kept in float vectors' registers.</summary>
    static abstract void AddInDouble(TVector value, ref TVector lower, ref TVector upper);

    /// <summary>(float)(1.0 / sum) per lane of the two double accumulators.</summary>
    static abstract TVector ReciprocalOfDouble(TVector lower, TVector upper);
}

internal readonly unsafe struct FloatLanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> NegativeInfinity => Vector512.Create(float.NegativeInfinity);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Vector512.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Exp(Vector512<float> value) => VectorExp.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RoundToHalf(Vector512<float> value) => Float16Bits.ToSingle(Float16Bits.FromSingle(value));

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
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> NegativeInfinity => Vector256.Create(float.NegativeInfinity);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) => Vector256.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Exp(Vector256<float> value) => VectorExp.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RoundToHalf(Vector256<float> value) => Float16Bits.ToSingle(Float16Bits.FromSingle(value));

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
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> NegativeInfinity => Vector128.Create(float.NegativeInfinity);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) => Vector128.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => Vector128.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Exp(Vector128<float> value) => VectorExp.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> RoundToHalf(Vector128<float> value) => Float16Bits.ToSingle(Float16Bits.FromSingle(value));

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
