using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// The kernels of the two 16-bit float weight types, written once: rows of 2-byte elements, activations
/// rounded to the same format first (ggml's vec_dot_type for F16 is F16, for BF16 it is BF16) and the
/// products accumulated in F32, as ggml_vec_dot_f16 / ggml_vec_dot_bf16 do. <typeparamref name="TFormat"/>
/// supplies the conversions; as a struct type argument it is specialised by the JIT, so the generic
/// costs nothing at run time.
/// </summary>
internal static class SixteenBitFloatKernels<TFormat> where TFormat : struct, ISixteenBitFloat
{
    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(blocks);
        RowChecks.Floats(destination.Length, elements.Length, "destination");
        for (int i = 0; i < elements.Length; i++) destination[i] = TFormat.ToSingle(elements[i]);
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(blocks);
        RowChecks.Floats(destination.Length, elements.Length, "destination");
        Widen(ref MemoryMarshal.GetReference(elements), ref MemoryMarshal.GetReference(destination), (nuint)elements.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ref ushort h, ref float y, nuint count)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            for (; i + 16 <= count; i += 16)
                Widen512(ref h, i).StoreUnsafe(ref y, i);
        }
        if (Avx2.IsSupported)
        {
            for (; i + 8 <= count; i += 8)
                Widen256(ref h, i).StoreUnsafe(ref y, i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var (low, high) = Widen128(ref h, i);
                low.StoreUnsafe(ref y, i);
                high.StoreUnsafe(ref y, i + 4);
            }
        }
        for (; i < count; i++)
            Unsafe.Add(ref y, i) = TFormat.ToSingle(Unsafe.Add(ref h, i));
    }

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        RowChecks.Bytes(weightRow, 2L * length, "weight row");
        RowChecks.Bytes(activationRow, 2L * length, "activation row");
        var w = MemoryMarshal.Cast<byte, ushort>(weightRow);
        var a = MemoryMarshal.Cast<byte, ushort>(activationRow);
        float sum = 0;
        for (int i = 0; i < length; i++) sum += TFormat.ToSingle(w[i]) * TFormat.ToSingle(a[i]);
        return sum;
    }

    public static float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        RowChecks.Bytes(weightRow, 2L * length, "weight row");
        RowChecks.Bytes(activationRow, 2L * length, "activation row");
        ref ushort w = ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(weightRow));
        ref ushort a = ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(activationRow));
        nuint count = (nuint)length;
        nuint i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            var acc0 = Vector512<float>.Zero; var acc1 = Vector512<float>.Zero;
            for (; i + 32 <= count; i += 32)
            {
                acc0 = Vector512.FusedMultiplyAdd(Widen512(ref w, i), Widen512(ref a, i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Widen512(ref w, i + 16), Widen512(ref a, i + 16), acc1);
            }
            for (; i + 16 <= count; i += 16)
                acc0 = Vector512.FusedMultiplyAdd(Widen512(ref w, i), Widen512(ref a, i), acc0);
            sum += Vector512.Sum(acc0 + acc1);
        }
        if (Avx2.IsSupported)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= count; i += 8)
                acc = Vector256.FusedMultiplyAdd(Widen256(ref w, i), Widen256(ref a, i), acc);
            sum += Vector256.Sum(acc);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<float>.Zero;
            for (; i + 8 <= count; i += 8)
            {
                var (wl, wh) = Widen128(ref w, i);
                var (al, ah) = Widen128(ref a, i);
                acc += wl * al + wh * ah;
            }
            sum += Vector128.Sum(acc);
        }
        for (; i < count; i++)
            sum += TFormat.ToSingle(Unsafe.Add(ref w, i)) * TFormat.ToSingle(Unsafe.Add(ref a, i));
        return sum;
    }

    /// <summary>Rounds floats to the format (nearest even), the activation conversion for its weights.</summary>
    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(destination);
        RowChecks.Floats(elements.Length, source.Length, "destination");
        for (int i = 0; i < source.Length; i++) elements[i] = TFormat.FromSingle(source[i]);
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(destination);
        RowChecks.Floats(elements.Length, source.Length, "destination");
        ref float x = ref MemoryMarshal.GetReference(source);
        ref ushort h = ref MemoryMarshal.GetReference(elements);
        nuint count = (nuint)source.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            for (; i + 16 <= count; i += 16)
                Avx512F.ConvertToVector256UInt16(TFormat.FromSingle(Vector512.LoadUnsafe(ref x, i))).StoreUnsafe(ref h, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var bits = TFormat.FromSingle(Vector256.LoadUnsafe(ref x, i));
                Vector128.Narrow(bits.GetLower(), bits.GetUpper()).StoreUnsafe(ref h, i);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var low = TFormat.FromSingle(Vector128.LoadUnsafe(ref x, i));
                var high = TFormat.FromSingle(Vector128.LoadUnsafe(ref x, i + 4));
                Vector128.Narrow(low, high).StoreUnsafe(ref h, i);
            }
        }
        for (; i < count; i++)
            Unsafe.Add(ref h, i) = TFormat.FromSingle(Unsafe.Add(ref x, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(ref ushort source, nuint index) =>
        TFormat.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref source, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(ref ushort source, nuint index) =>
        TFormat.ToSingle(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, index)).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Low, Vector128<float> High) Widen128(ref ushort source, nuint index)
    {
        var bits = Vector128.LoadUnsafe(ref source, index);
        return (TFormat.ToSingle(Vector128.WidenLower(bits)), TFormat.ToSingle(Vector128.WidenUpper(bits)));
    }
}
