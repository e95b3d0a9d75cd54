using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// A 512-bit vector built from 256-bit halves in one <c>vinserti64x4</c>. <c>Vector512.Create(lower, upper)</c> gives
/// the same value, but the JIT builds it in a stack home of its own: a 64-byte load of the old value, two inserts, and
/// in a loop a store of every such home per iteration; a loop of several went from registers to the stack whole.
/// Callers run only where AVX-512 does (<see cref="Int8MultiplyAdd.Is512Supported"/>).
/// </summary>
internal static class VectorHalves
{
    // One overload per element type in use: a generic form reinterpreting through bytes brought the stack home back.

    /// <summary><paramref name="lower"/> in bits 0–255, <paramref name="upper"/> in bits 256–511.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Join(Vector256<byte> lower, Vector256<byte> upper) =>
        Avx512F.InsertVector256(lower.ToVector512Unsafe(), upper, 1);

    /// <inheritdoc cref="Join(Vector256{byte}, Vector256{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<sbyte> Join(Vector256<sbyte> lower, Vector256<sbyte> upper) =>
        Avx512F.InsertVector256(lower.ToVector512Unsafe(), upper, 1);

    /// <inheritdoc cref="Join(Vector256{byte}, Vector256{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Join(Vector256<short> lower, Vector256<short> upper) =>
        Avx512F.InsertVector256(lower.ToVector512Unsafe(), upper, 1);

    /// <inheritdoc cref="Join(Vector256{byte}, Vector256{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Join(Vector256<int> lower, Vector256<int> upper) =>
        Avx512F.InsertVector256(lower.ToVector512Unsafe(), upper, 1);

    /// <summary><paramref name="half"/> in both halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Repeat(Vector256<short> half) => Join(half, half);
}
