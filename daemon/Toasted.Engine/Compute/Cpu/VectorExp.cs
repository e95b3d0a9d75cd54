using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// e^x in float for every vector width, within about one ulp of the correctly rounded result, with
/// a scalar twin that performs the same operations and so returns the same bits.
/// <para>
/// Range reduction (Cody–Waite): n = round(x·log2 e), r = x − n·ln2 with ln2 split in two so that
/// n·ln2_hi is exact, leaving |r| ≤ ln2/2. e^r is the degree-7 Taylor polynomial, whose truncation
/// error (r⁸/8! ≤ 5·10⁻⁹) is far below half an ulp, evaluated by Horner with fused multiply-adds.
/// The result is p·2ⁿ, applied as two factors 2^⌊n/2⌋ and 2^(n−⌊n/2⌋): each is a normal float for
/// every n the clamped input can produce, the first product is exact, and only the second rounds,
/// so results that overflow become +∞ and results in the subnormal range round once, correctly
/// for p. Branch-free, because softmax feeds it the −∞ of masked positions in ordinary rows.
/// </para>
/// Inputs are clamped to [−104, 89]: e^−104 is below half the smallest subnormal (rounds to 0) and
/// e^89 is above float's maximum (becomes +∞). NaN returns NaN.
/// </summary>
public static class VectorExp
{
    private const float Log2E = 1.44269504088896341f;
    // ln 2 = LnTwoHigh + LnTwoLow; LnTwoHigh has its 9 low mantissa bits zero, so n·LnTwoHigh is
    // exact for |n| < 2⁹, which covers every n of the clamped range.
    private const float LnTwoHigh = 0.693145751953125f;
    private const float LnTwoLow = 1.42860676533018708e-06f;
    // Adding 1.5·2²³ rounds a float of magnitude below 2²² to an integer (nearest even) and leaves
    // that integer in the low mantissa bits.
    private const float RoundingShift = 12582912f;
    private const float Lowest = -104f;
    private const float Highest = 89f;
    private const float C2 = 1f / 2;
    private const float C3 = 1f / 6;
    private const float C4 = 1f / 24;
    private const float C5 = 1f / 120;
    private const float C6 = 1f / 720;
    private const float C7 = 1f / 5040;

    /// <summary>destination[i] = e^source[i]; the spans may be the same.</summary>
    public static void Exp(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination shorter than source", nameof(destination));
        ref var x = ref MemoryMarshal.GetReference(source);
        ref var y = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)source.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Exp(Vector512.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Exp(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) Exp(Vector128.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        for (; i < n; i++) Unsafe.Add(ref y, i) = Exp(Unsafe.Add(ref x, i));
    }

    public static void ExpScalar(ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = Exp(source[i]);
    }

    /// <summary>The scalar twin: the same operations, one lane.</summary>
    public static float Exp(float value)
    {
        var x = Math.Clamp(value, Lowest, Highest);
        var shifted = MathF.FusedMultiplyAdd(x, Log2E, RoundingShift);
        var n = shifted - RoundingShift;
        var r = MathF.FusedMultiplyAdd(-n, LnTwoHigh, x);
        r = MathF.FusedMultiplyAdd(-n, LnTwoLow, r);
        var p = MathF.FusedMultiplyAdd(C7, r, C6);
        p = MathF.FusedMultiplyAdd(p, r, C5);
        p = MathF.FusedMultiplyAdd(p, r, C4);
        p = MathF.FusedMultiplyAdd(p, r, C3);
        p = MathF.FusedMultiplyAdd(p, r, C2);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        var k = BitConverter.SingleToInt32Bits(shifted) - BitConverter.SingleToInt32Bits(RoundingShift);
        var half = k >> 1;
        var first = BitConverter.Int32BitsToSingle((half + 127) << 23);
        var second = BitConverter.Int32BitsToSingle((k - half + 127) << 23);
        var result = p * first * second;
        return float.IsNaN(value) ? value : result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> value)
    {
        var x = Vector512.Min(Vector512.Max(value, Vector512.Create(Lowest)), Vector512.Create(Highest));
        var shifted = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        var n = shifted - Vector512.Create(RoundingShift);
        var r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(LnTwoHigh), x);
        r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(LnTwoLow), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C7), r, Vector512.Create(C6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        var k = shifted.AsInt32() - Vector512.Create(RoundingShift).AsInt32();
        var half = k >> 1;
        var first = ((half + Vector512.Create(127)) << 23).AsSingle();
        var second = ((k - half + Vector512.Create(127)) << 23).AsSingle();
        var result = p * first * second;
        return Vector512.ConditionalSelect(Vector512.Equals(value, value), result, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> value)
    {
        var x = Vector256.Min(Vector256.Max(value, Vector256.Create(Lowest)), Vector256.Create(Highest));
        var shifted = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
        var n = shifted - Vector256.Create(RoundingShift);
        var r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(LnTwoHigh), x);
        r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(LnTwoLow), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(C7), r, Vector256.Create(C6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var k = shifted.AsInt32() - Vector256.Create(RoundingShift).AsInt32();
        var half = k >> 1;
        var first = ((half + Vector256.Create(127)) << 23).AsSingle();
        var second = ((k - half + Vector256.Create(127)) << 23).AsSingle();
        var result = p * first * second;
        return Vector256.ConditionalSelect(Vector256.Equals(value, value), result, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> value)
    {
        var x = Vector128.Min(Vector128.Max(value, Vector128.Create(Lowest)), Vector128.Create(Highest));
        var shifted = Vector128.FusedMultiplyAdd(x, Vector128.Create(Log2E), Vector128.Create(RoundingShift));
        var n = shifted - Vector128.Create(RoundingShift);
        var r = Vector128.FusedMultiplyAdd(-n, Vector128.Create(LnTwoHigh), x);
        r = Vector128.FusedMultiplyAdd(-n, Vector128.Create(LnTwoLow), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(C7), r, Vector128.Create(C6));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C5));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(C2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128<float>.One);
        p = Vector128.FusedMultiplyAdd(p, r, Vector128<float>.One);
        var k = shifted.AsInt32() - Vector128.Create(RoundingShift).AsInt32();
        var half = k >> 1;
        var first = ((half + Vector128.Create(127)) << 23).AsSingle();
        var second = ((k - half + Vector128.Create(127)) << 23).AsSingle();
        var result = p * first * second;
        return Vector128.ConditionalSelect(Vector128.Equals(value, value), result, value);
    }
}
