using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The lane arithmetic around <see cref="IRowSuperBlock"/>: a super-block's ints leave its steps as eight lanes, and four
/// rows' lanes meet in one transposing reduction rather than a horizontal sum per row and int.
/// </summary>
internal static class SuperBlockLanes
{
    /// <summary>Lane r: the sum of <paramref name="x0"/>…<paramref name="x3"/>'s lane r's eight ints (exact, in any order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<int> Totals(Vector256<int> x0, Vector256<int> x1, Vector256<int> x2, Vector256<int> x3)
    {
        // Interleave rows 0/1 and 2/3 by dwords and add, then by qwords and add: each 128-bit half then holds the four
        // rows' partial sums in lane order, and the halves add up.
        var u01 = Avx2.UnpackLow(x0, x1) + Avx2.UnpackHigh(x0, x1);
        var u23 = Avx2.UnpackLow(x2, x3) + Avx2.UnpackHigh(x2, x3);
        var t = Avx2.UnpackLow(u01.AsInt64(), u23.AsInt64()).AsInt32() + Avx2.UnpackHigh(u01.AsInt64(), u23.AsInt64()).AsInt32();
        return t.GetLower() + t.GetUpper();
    }

    /// <summary>Four rows' f16 scales at <paramref name="offset"/> of their blocks, as floats in lanes 0–3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector128<float> Scales(byte* b0, byte* b1, byte* b2, byte* b3, int offset) =>
        Scales(ref *b0, ref *b1, ref *b2, ref *b3, offset);

    /// <inheritdoc cref="Scales(byte*, byte*, byte*, byte*, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Scales(ref byte b0, ref byte b1, ref byte b2, ref byte b3, int offset) =>
        Vector128.Create(Q8_0Kernels.Scale(ref Unsafe.Add(ref b0, offset)), Q8_0Kernels.Scale(ref Unsafe.Add(ref b1, offset)),
            Q8_0Kernels.Scale(ref Unsafe.Add(ref b2, offset)), Q8_0Kernels.Scale(ref Unsafe.Add(ref b3, offset)));

    /// <summary>
    /// The float step of the formats with one f16 scale and no mins (Q3_K, Q6_K, IQ4_XS), as their scalar dots take it:
    /// <c>sum + (d · d8) · isum</c>, d at <paramref name="scaleOffset"/> of the block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe float AddScaled(float sum, int isum, byte* block, int scaleOffset, float d8) =>
        sum + Q8_0Kernels.Scale(ref block[scaleOffset]) * d8 * isum;

    /// <summary><see cref="AddScaled(float, int, byte*, int, float)"/> for four rows' blocks, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector128<float> AddScaled(Vector128<float> sums, Vector128<int> isums, byte* b0, byte* b1, byte* b2, byte* b3, int scaleOffset, float d8) =>
        sums + Scales(b0, b1, b2, b3, scaleOffset) * Vector128.Create(d8) * Vector128.ConvertToSingle(isums);

    /// <summary>A 512-bit step's int lanes folded to 256 bits (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Fold(Vector512<int> lanes) => lanes.GetLower() + lanes.GetUpper();
}
