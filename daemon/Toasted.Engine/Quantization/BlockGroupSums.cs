using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Helpers for dots that handle eight 32-element blocks per step: one horizontal-add tree turns the eight
/// blocks' int lanes into their eight sums, the sixteen f16 scales are widened with vector code, and the
/// eight per-block products are then added to the running sum one by one in block order, which keeps the
/// result identical to a block-by-block scalar loop.
/// </summary>
internal static class BlockGroupSums
{
    /// <summary>Lane k of the result is the sum of all lanes of the k-th argument.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SumEach(
        Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3,
        Vector256<int> s4, Vector256<int> s5, Vector256<int> s6, Vector256<int> s7)
    {
        // Within each 128-bit lane: after two rounds lane L holds [s0 s1 s2 s3] partial sums of that lane.
        var h0123 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(s0, s1), Avx2.HorizontalAdd(s2, s3));
        var h4567 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(s4, s5), Avx2.HorizontalAdd(s6, s7));
        // Add the two 128-bit lanes: low half from h0123, high half from h4567.
        return Avx2.Permute2x128(h0123, h4567, 0x20) + Avx2.Permute2x128(h0123, h4567, 0x31);
    }

    /// <summary>The f16 scales at offset 0 of eight consecutive blocks <paramref name="stride"/> bytes apart, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfScales(ref byte first, nuint stride)
    {
        var bits = Vector128.Create(
            Unsafe.ReadUnaligned<ushort>(ref first),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, stride)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 2 * stride)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 3 * stride)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 4 * stride)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 5 * stride)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 6 * stride)),
            Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, 7 * stride)));
        return Float16Bits.ToSingle(Avx2.ConvertToVector256Int32(bits).AsUInt32());
    }

    /// <summary><c>sum += products[0]; …; sum += products[7];</c> — sequential, as the scalar twin adds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AddInOrder(float sum, Vector256<float> products)
    {
        var low = products.GetLower();
        var high = products.GetUpper();
        sum += low.ToScalar();
        sum += low.GetElement(1);
        sum += low.GetElement(2);
        sum += low.GetElement(3);
        sum += high.ToScalar();
        sum += high.GetElement(1);
        sum += high.GetElement(2);
        sum += high.GetElement(3);
        return sum;
    }
}
