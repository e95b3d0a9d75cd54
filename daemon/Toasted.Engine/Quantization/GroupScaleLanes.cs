using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Pair weights for super-blocks of sixteen 16-element groups (Q2_K, Q3_K) taken in element order against contiguous
/// Q8_K quants: after <c>vpmaddubsw</c> a step's pair sums of group k sit in eight consecutive short lanes, so the
/// <c>vpmaddwd</c> that weights and widens them needs the group's scale in exactly those lanes.
/// </summary>
internal static class GroupScaleLanes
{
    /// <summary>
    /// For a 512-bit step over elements 64·<paramref name="step"/> … + 63 (groups 4·step … 4·step + 3): lanes 8k … 8k + 7
    /// hold group 4·step + k's scale. <paramref name="scales512"/> has the sixteen scales in both halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Step512(Vector512<short> scales512, int step)
    {
        // Built here, not read from a field, so that the JIT keeps it a constant.
        var groupOfLane = Vector512.Create((short)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        return Avx512BW.PermuteVar32x16(scales512, groupOfLane + Vector512.Create((short)(4 * step)));
    }

    /// <summary>For a 256-bit step over elements 32·<paramref name="step"/> … + 31: groups 2·step and 2·step + 1, a half each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Step256(Vector256<short> scales, int step) =>
        Vector256.Create(Vector128.Create(scales.GetElement(2 * step)), Vector128.Create(scales.GetElement(2 * step + 1)));
}
