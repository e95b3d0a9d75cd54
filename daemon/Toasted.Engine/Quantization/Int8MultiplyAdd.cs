using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Exact int8 multiply-accumulate primitives for the integer dot kernels. Every result lane i holds
/// the sum of the products of bytes 4i..4i+3 (times the 16-bit weight of their pair for the scaled
/// forms), so a lane never mixes bytes of different 16-byte groups: kernels rely on that to give each
/// group of 16 or 32 quants its own scale.
/// <para>
/// Range contract that keeps the 16-bit pair sums of vpmaddubsw from saturating (so every path is exact):
/// the unsigned operand is at most 128 and the signed operand lies in [-127, 127]. Activation quants
/// satisfy that by construction (see <see cref="Q8_0Kernels"/> and <see cref="Q8_KKernels"/>).
/// </para>
/// Without a 512-bit VNNI binding in the runtime, the 512-bit forms use vpmaddubsw + vpmaddwd.
/// </summary>
internal static class Int8MultiplyAdd
{
    public static bool Is512Supported => Vector512.IsHardwareAccelerated && Avx512BW.IsSupported;
    public static bool Is256Supported => Avx2.IsSupported;
    public static bool Is128Supported => Ssse3.IsSupported;

    /// <summary>
    /// accumulator + Σ pairs of 16-bit products (<c>vpdpwssd</c> where AVX-VNNI exists, else <c>vpmaddwd</c> and an add),
    /// exact: what the kernels use to widen short pair sums, weighted by scales or by 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ShortPairs(Vector256<int> accumulator, Vector256<short> left, Vector256<short> right)
    {
        // Written as two returns: as one conditional expression the sub-block panel kernel ran ≈ 10 % slower
        // (gemm Q4_K 210–221 against 235–241 Gop/s).
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, left, right);
        return accumulator + Avx2.MultiplyAddAdjacent(left, right);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Unsigned(Vector512<int> accumulator, Vector512<byte> unsignedBytes, Vector512<sbyte> signedBytes) =>
        accumulator + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(unsignedBytes, signedBytes), Vector512<short>.One);

    /// <summary>Like <see cref="Unsigned(Vector512{int},Vector512{byte},Vector512{sbyte})"/>, each byte pair's sum weighted by the matching 16-bit lane of <paramref name="pairWeights"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> UnsignedScaled(Vector512<int> accumulator, Vector512<byte> unsignedBytes, Vector512<sbyte> signedBytes, Vector512<short> pairWeights) =>
        accumulator + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(unsignedBytes, signedBytes), pairWeights);

    /// <summary>Σ (u - offset)·s per 4 bytes, for unsigned codes stored with a bias (Q4_0 nibbles, offset 8); u and offset at most 15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Biased(Vector512<byte> unsignedBytes, Vector512<byte> offset, Vector512<sbyte> signedBytes) =>
        Avx512BW.MultiplyAddAdjacent(
            Avx512BW.MultiplyAddAdjacent(unsignedBytes, signedBytes) - Avx512BW.MultiplyAddAdjacent(offset, signedBytes),
            Vector512<short>.One);

    /// <summary>Signed × signed via |w| × (a with w's sign): exact for any w when a is in [-127, 127].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Signed(Vector512<int> accumulator, Vector512<sbyte> weights, Vector512<sbyte> activations)
    {
        var magnitude = Vector512.Abs(weights).AsByte();
        var signedActivations = Vector512.ConditionalSelect(Vector512.LessThan(weights, Vector512<sbyte>.Zero), -activations, activations);
        return Unsigned(accumulator, magnitude, signedActivations);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Unsigned(Vector256<int> accumulator, Vector256<byte> unsignedBytes, Vector256<sbyte> signedBytes)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, unsignedBytes, signedBytes);
        return accumulator + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(unsignedBytes, signedBytes), Vector256<short>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> UnsignedScaled(Vector256<int> accumulator, Vector256<byte> unsignedBytes, Vector256<sbyte> signedBytes, Vector256<short> pairWeights)
    {
        var pairs = Avx2.MultiplyAddAdjacent(unsignedBytes, signedBytes);
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(accumulator, pairs, pairWeights);
        return accumulator + Avx2.MultiplyAddAdjacent(pairs, pairWeights);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Biased(Vector256<byte> unsignedBytes, Vector256<byte> offset, Vector256<sbyte> signedBytes) =>
        Avx2.MultiplyAddAdjacent(
            Avx2.MultiplyAddAdjacent(unsignedBytes, signedBytes) - Avx2.MultiplyAddAdjacent(offset, signedBytes),
            Vector256<short>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Signed(Vector256<int> accumulator, Vector256<sbyte> weights, Vector256<sbyte> activations) =>
        Unsigned(accumulator, Avx2.Abs(weights), Avx2.Sign(activations, weights));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Unsigned(Vector128<int> accumulator, Vector128<byte> unsignedBytes, Vector128<sbyte> signedBytes) =>
        // The 128-bit forms only run on cores without AVX2, which have no VNNI either.
        accumulator + Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(unsignedBytes, signedBytes), Vector128<short>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> UnsignedScaled(Vector128<int> accumulator, Vector128<byte> unsignedBytes, Vector128<sbyte> signedBytes, Vector128<short> pairWeights) =>
        accumulator + Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(unsignedBytes, signedBytes), pairWeights);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Signed(Vector128<int> accumulator, Vector128<sbyte> weights, Vector128<sbyte> activations) =>
        Unsigned(accumulator, Ssse3.Abs(weights), Ssse3.Sign(activations, weights));
}
