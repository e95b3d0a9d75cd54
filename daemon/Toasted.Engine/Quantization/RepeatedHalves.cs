using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// A 256-bit vector in both halves of a 512-bit one, in one <c>vinserti64x4</c>. <c>Vector512.Create(half, half)</c>
/// gives the same value, but the JIT builds it through a stack temporary: two 32-byte stores and a 64-byte load that
/// cannot be forwarded from them, once per use.
/// </summary>
internal static class RepeatedHalves
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Of(Vector256<short> half) => Avx512F.InsertVector256(half.ToVector512Unsafe(), half, 1);
}
