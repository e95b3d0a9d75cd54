using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>The f16 row scales of an interleaved block column, as floats.</summary>
internal static unsafe class InterleavedScales
{
    /// <summary>2¹¹²: the factor between an f16 value and its magnitude bits moved into float position.</summary>
    public const float HalfExponentGap = 5.192296858534828e33f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FromHalves(byte* column) => FiniteHalfToSingle(Vector128.Load((ushort*)column));

    /// <summary>
    /// <c>sum + (d · d_a) · isum</c> per row, d the eight f16 scales at <paramref name="column"/>: two multiplies and an add,
    /// not fused, as the one-row dots of Q3_K and IQ4_XS step, so their interleaved kernels equal those dots to the bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> AddScaled(Vector256<float> sums, Vector256<int> isums, byte* column, float activationScale) =>
        sums + FromHalves(column) * Vector256.Create(activationScale) * Vector256.ConvertToSingle(isums);

    /// <summary>
    /// Eight f16 values to float, exactly for every finite value (zero and subnormals included): the
    /// magnitude bits moved into float position are the value × 2⁻¹¹², which one multiply by 2¹¹² undoes.
    /// Quantization scales are finite; infinities and NaNs would come out as large finite numbers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FiniteHalfToSingle(Vector128<ushort> bits)
    {
        var wide = Avx2.ConvertToVector256Int32(bits).AsUInt32();
        var magnitude = ((wide & Vector256.Create(0x7FFFu)) << 13).AsSingle() * Vector256.Create(0x77800000u).AsSingle();
        return (magnitude.AsUInt32() | ((wide & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>The sixteen f16 values at <paramref name="column"/> as floats, as <see cref="FiniteHalfToSingle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FromSixteenHalves(byte* column)
    {
        var wide = Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)column));
        var magnitude = ((wide & Vector512.Create(0x7FFFu)) << 13).AsSingle() * Vector512.Create(0x77800000u).AsSingle();
        return (magnitude.AsUInt32() | ((wide & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>
    /// The eight f16 scales at <paramref name="column"/> times a factor given as <c>factor · 2¹¹²</c>, in three
    /// integer steps and one multiply: sign-extended, shifted by 13 and masked, each half becomes a float that
    /// carries its sign and is its value × 2⁻¹¹², so the one multiply rounds the exact product value · factor,
    /// as <c>(float)half * factor</c> does. Exact for finite halves and any f16-valued factor (2¹¹² · 65504 is
    /// still finite); the caller folds 2¹¹² into the factor once per block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaledHalves(byte* column, Vector256<float> factorTimesGap) =>
        ((Avx2.ConvertToVector256Int32((short*)column) << 13) & Vector256.Create(unchecked((int)0x8FFFFFFF))).AsSingle() * factorTimesGap;

    /// <summary>As <see cref="ScaledHalves(byte*, Vector256{float})"/> for the sixteen f16 scales at <paramref name="column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ScaledHalves(byte* column, Vector512<float> factorTimesGap) =>
        ((Avx512F.ConvertToVector512Int32(Vector256.Load((short*)column)) << 13) & Vector512.Create(unchecked((int)0x8FFFFFFF))).AsSingle() * factorTimesGap;
}
