using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>The eight f16 row scales at the head of an interleaved block column, as floats.</summary>
internal static unsafe class InterleavedScales
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FromHalves(byte* column) => FiniteHalfToSingle(Vector128.Load((ushort*)column));

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
}
