using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Turns decoded int8 quants into floats, <c>scale * q - offset</c>, for the dequantize kernels. The
/// multiply and the subtraction stay separate roundings (never fused) so that every width gives the
/// scalar twin's bits, which are ggml's <c>d * q - m</c>.
/// </summary>
internal static class Int8Expansion
{
    public static void ScaleScalar(ReadOnlySpan<sbyte> quants, float scale, float offset, Span<float> destination)
    {
        for (int i = 0; i < quants.Length; i++)
            destination[i] = scale * quants[i] - offset;
    }

    /// <summary>Vector twin of <see cref="ScaleScalar"/>; the caller guarantees <paramref name="destination"/> holds quants.Length floats.</summary>
    public static void Scale(ReadOnlySpan<sbyte> quants, float scale, float offset, Span<float> destination)
    {
        ref sbyte q = ref MemoryMarshal.GetReference(quants);
        ref float y = ref MemoryMarshal.GetReference(destination);
        nuint count = (nuint)quants.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            var s = Vector512.Create(scale);
            var o = Vector512.Create(offset);
            for (; i + 16 <= count; i += 16)
            {
                var ints = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref q, i));
                (Vector512.ConvertToSingle(ints) * s - o).StoreUnsafe(ref y, i);
            }
        }
        if (Avx2.IsSupported)
        {
            var s = Vector256.Create(scale);
            var o = Vector256.Create(offset);
            for (; i + 8 <= count; i += 8)
            {
                var eightBytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref q, i)))).AsSByte();
                var ints = Avx2.ConvertToVector256Int32(eightBytes);
                (Vector256.ConvertToSingle(ints) * s - o).StoreUnsafe(ref y, i);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var s = Vector128.Create(scale);
            var o = Vector128.Create(offset);
            for (; i + 16 <= count; i += 16)
            {
                var bytes = Vector128.LoadUnsafe(ref q, i);
                var low = Vector128.WidenLower(bytes);
                var high = Vector128.WidenUpper(bytes);
                (Vector128.ConvertToSingle(Vector128.WidenLower(low)) * s - o).StoreUnsafe(ref y, i);
                (Vector128.ConvertToSingle(Vector128.WidenUpper(low)) * s - o).StoreUnsafe(ref y, i + 4);
                (Vector128.ConvertToSingle(Vector128.WidenLower(high)) * s - o).StoreUnsafe(ref y, i + 8);
                (Vector128.ConvertToSingle(Vector128.WidenUpper(high)) * s - o).StoreUnsafe(ref y, i + 12);
            }
        }
        for (; i < count; i++)
            Unsafe.Add(ref y, i) = scale * Unsafe.Add(ref q, i) - offset;
    }
}
