using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toasted.Engine.Quantization;

/// <summary>
/// BF16 rows: 2 bytes per element, the upper 16 bits of an IEEE single, little-endian. Activations are
/// rounded to BF16 first (nearest even, ggml's vec_dot_type for BF16 is BF16) and the products are
/// accumulated in F32, as ggml_vec_dot_bf16 does without AVX512-BF16.
/// The vector dot uses lane accumulators, so it differs from the sequential scalar twin only by float rounding.
/// </summary>
public static class BF16Kernels
{
    public static void DequantizeScalar(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(blocks);
        RowChecks.Floats(destination.Length, elements.Length, "destination");
        for (int i = 0; i < elements.Length; i++) destination[i] = BFloat16Bits.ToSingle(elements[i]);
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(blocks);
        RowChecks.Floats(destination.Length, elements.Length, "destination");
        ref ushort h = ref MemoryMarshal.GetReference(elements);
        ref float y = ref MemoryMarshal.GetReference(destination);
        nuint count = (nuint)elements.Length;
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
            Unsafe.Add(ref y, i) = BFloat16Bits.ToSingle(Unsafe.Add(ref h, i));
    }

    public static float DotScalar(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int length)
    {
        RowChecks.Bytes(weightRow, 2L * length, "weight row");
        RowChecks.Bytes(activationRow, 2L * length, "activation row");
        var w = MemoryMarshal.Cast<byte, ushort>(weightRow);
        var a = MemoryMarshal.Cast<byte, ushort>(activationRow);
        float sum = 0;
        for (int i = 0; i < length; i++) sum += BFloat16Bits.ToSingle(w[i]) * BFloat16Bits.ToSingle(a[i]);
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
            sum += BFloat16Bits.ToSingle(Unsafe.Add(ref w, i)) * BFloat16Bits.ToSingle(Unsafe.Add(ref a, i));
        return sum;
    }

    /// <summary>Rounds floats to BF16 (nearest even), the activation conversion for BF16 weights.</summary>
    public static void QuantizeScalar(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var elements = MemoryMarshal.Cast<byte, ushort>(destination);
        RowChecks.Floats(elements.Length, source.Length, "destination");
        for (int i = 0; i < source.Length; i++) elements[i] = BFloat16Bits.FromSingle(source[i]);
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
                Avx512F.ConvertToVector256UInt16(BFloat16Bits.FromSingle(Vector512.LoadUnsafe(ref x, i))).StoreUnsafe(ref h, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var bits = BFloat16Bits.FromSingle(Vector256.LoadUnsafe(ref x, i));
                Vector128.Narrow(bits.GetLower(), bits.GetUpper()).StoreUnsafe(ref h, i);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var low = BFloat16Bits.FromSingle(Vector128.LoadUnsafe(ref x, i));
                var high = BFloat16Bits.FromSingle(Vector128.LoadUnsafe(ref x, i + 4));
                Vector128.Narrow(low, high).StoreUnsafe(ref h, i);
            }
        }
        for (; i < count; i++)
            Unsafe.Add(ref h, i) = BFloat16Bits.FromSingle(Unsafe.Add(ref x, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(ref ushort source, nuint index) =>
        (Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref source, index)) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(ref ushort source, nuint index) =>
        (Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, index)).AsUInt32() << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Low, Vector128<float> High) Widen128(ref ushort source, nuint index)
    {
        var bits = Vector128.LoadUnsafe(ref source, index);
        return ((Vector128.WidenLower(bits) << 16).AsSingle(), (Vector128.WidenUpper(bits) << 16).AsSingle());
    }
}
