using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Σ w·a over sixteen int8 pairs with 128-bit vectors: SSSE3 on x86, and otherwise the portable
/// <see cref="Vector128"/> operations, which the runtime maps to AdvSimd on ARM64. Both are exact when the
/// activations lie in [-127, 127] (every activation format guarantees it), so they give the same int.
/// </summary>
internal static class Int8Dot128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector128<sbyte> weights, Vector128<sbyte> activations) =>
        Int8MultiplyAdd.Is128Supported
            ? Vector128.Sum(Int8MultiplyAdd.Signed(Vector128<int>.Zero, weights, activations))
            : SumPortable(weights, activations);

    /// <summary>Widening form: each product is at most 128 · 127 in magnitude, so a pair of them still fits a short.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SumPortable(Vector128<sbyte> weights, Vector128<sbyte> activations)
    {
        var (weightsLow, weightsHigh) = Vector128.Widen(weights);
        var (activationsLow, activationsHigh) = Vector128.Widen(activations);
        var pairs = weightsLow * activationsLow + weightsHigh * activationsHigh;
        var (pairsLow, pairsHigh) = Vector128.Widen(pairs);
        return Vector128.Sum(pairsLow + pairsHigh);
    }
}
