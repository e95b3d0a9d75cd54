using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Quantization;

/// <summary>
/// Float dot product over already-widened floats, shared by the F32 kernel and the per-chunk paths of the
/// F16/BF16 kernels. Four independent accumulators hide the fused multiply-add latency.
/// </summary>
internal static class FloatDot
{
    public static float Dot(ref float w, ref float a, nuint length)
    {
        nuint i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc0 = Vector512<float>.Zero; var acc1 = Vector512<float>.Zero;
            var acc2 = Vector512<float>.Zero; var acc3 = Vector512<float>.Zero;
            for (; i + 64 <= length; i += 64)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i), Vector512.LoadUnsafe(ref a, i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i + 16), Vector512.LoadUnsafe(ref a, i + 16), acc1);
                acc2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i + 32), Vector512.LoadUnsafe(ref a, i + 32), acc2);
                acc3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i + 48), Vector512.LoadUnsafe(ref a, i + 48), acc3);
            }
            for (; i + 16 <= length; i += 16)
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i), Vector512.LoadUnsafe(ref a, i), acc0);
            sum += Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var acc0 = Vector256<float>.Zero; var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= length; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i), Vector256.LoadUnsafe(ref a, i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i + 8), Vector256.LoadUnsafe(ref a, i + 8), acc1);
            }
            for (; i + 8 <= length; i += 8)
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, i), Vector256.LoadUnsafe(ref a, i), acc0);
            sum += Vector256.Sum(acc0 + acc1);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<float>.Zero;
            for (; i + 4 <= length; i += 4)
                acc += Vector128.LoadUnsafe(ref w, i) * Vector128.LoadUnsafe(ref a, i);
            sum += Vector128.Sum(acc);
        }
        for (; i < length; i++)
            sum += Unsafe.Add(ref w, i) * Unsafe.Add(ref a, i);
        return sum;
    }
}
