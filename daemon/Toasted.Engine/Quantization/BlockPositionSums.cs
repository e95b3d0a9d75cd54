using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The float accumulation order of the multi-row Q4_0 / Q8_0 dots. Each row keeps eight partial sums;
/// position p receives the products <c>(d_w · d_a) · isum</c> of the blocks b with b mod 8 = p, in block
/// order, and the result is <c>((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))</c>. Eight independent sums
/// replace the single serial chain of the one-row dot, and the order is fixed, so the vector kernels and
/// their scalar twins agree to the bit.
/// <para>
/// The vector kernels hold the positions of a group of eight blocks in the lane order
/// <c>[0, 2, 4, 6, 1, 3, 5, 7]</c>: it is what two rounds of horizontal adds produce, and adding the two
/// 128-bit halves of that vector pairs position 2k with 2k+1 as the combination above does.
/// </para>
/// </summary>
internal static class BlockPositionSums
{
    public const int Positions = 8;

    /// <summary>The block position (0..7 within a group) held by each lane of a group vector.</summary>
    public static ReadOnlySpan<int> PositionOfLane => [0, 2, 4, 6, 1, 3, 5, 7];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Combine(ReadOnlySpan<float> positions) =>
        ((positions[0] + positions[1]) + (positions[2] + positions[3])) + ((positions[4] + positions[5]) + (positions[6] + positions[7]));

    /// <summary>Writes a group-ordered lane vector back into position order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> lanes, Span<float> positions)
    {
        var order = PositionOfLane;
        for (int lane = 0; lane < Positions; lane++) positions[order[lane]] = lanes.GetElement(lane);
    }

    /// <summary>
    /// The eight block sums of a group from two 512-bit vectors whose 128-bit quarters hold, in order, the
    /// four int lanes of blocks 0, 1, 2, 3 and 4, 5, 6, 7; result in group lane order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SumQuarters(Vector512<int> blocks0To3, Vector512<int> blocks4To7)
    {
        // Per 128-bit lane: [b0 b0 b2 b2 | b1 b1 b3 b3], then [b4 b4 b6 b6 | b5 b5 b7 b7], then [b0 b2 b4 b6 | b1 b3 b5 b7].
        var first = Avx2.HorizontalAdd(blocks0To3.GetLower(), blocks0To3.GetUpper());
        var second = Avx2.HorizontalAdd(blocks4To7.GetLower(), blocks4To7.GetUpper());
        return Avx2.HorizontalAdd(first, second);
    }

    /// <summary>The eight block sums of a group from one 256-bit lane vector per block; result in group lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SumBlocks(
        Vector256<int> b0, Vector256<int> b1, Vector256<int> b2, Vector256<int> b3,
        Vector256<int> b4, Vector256<int> b5, Vector256<int> b6, Vector256<int> b7) =>
        BlockGroupSums.SumEach(b0, b2, b4, b6, b1, b3, b5, b7);

    /// <summary>Byte offsets of the eight blocks of a group in group lane order, for gathering their f16 scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ScaleOffsets(int blockBytes) =>
        Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7) * blockBytes;

    /// <summary>The f16 scales at the start of the eight blocks of a group, in group lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> GatherHalfScales(byte* group, Vector256<int> offsets) =>
        Float16Bits.ToSingle((Avx2.GatherVector256((int*)group, offsets, 1) & Vector256.Create(0xFFFF)).AsUInt32());
}
