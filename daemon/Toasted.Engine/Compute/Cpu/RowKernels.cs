using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Element-wise and per-row float kernels of the forward pass. Each has a SIMD path
/// (Vector512 → 256 → 128, scalar tail) and a scalar reference twin the tests compare it with.
/// </summary>
public static class RowKernels
{
    /// <summary>
    /// destination = x / sqrt(mean(x²) + ε) ⊙ weight; each square taken in float and summed in double, as
    /// ggml does. ggml adds the squares one after another; here four double vectors take them in turn, which
    /// breaks the chain of dependent additions (2048 of them were 2 µs a row) and moves the double sum by
    /// about 10⁻¹⁶ of itself: the float mean it rounds to is the same but for a tie a few ulps of double wide.
    /// The products x · scale · weight are the scalar twin's, element for element.
    /// </summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> destination)
    {
        if (weight.Length < x.Length || destination.Length < x.Length) throw new ArgumentException("weight or destination shorter than x");
        ref var xs = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> a = default, b = default, c = default, d = default;
            for (; i + 16 <= n; i += 16)
            {
                var v0 = Vector256.LoadUnsafe(ref xs, i);
                var v1 = Vector256.LoadUnsafe(ref xs, i + 8);
                var (s0, s1) = Vector256.Widen(v0 * v0);
                var (s2, s3) = Vector256.Widen(v1 * v1);
                a += s0;
                b += s1;
                c += s2;
                d += s3;
            }
            sum = Vector256.Sum((a + b) + (c + d));
        }
        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xs, i);
            sum += (double)(v * v);
        }
        Normalize(x, weight, Scale(sum, x.Length, epsilon), destination);
    }

    /// <summary>The scalar twin of <see cref="RmsNorm"/>: ggml's loop, the squares added in order.</summary>
    public static void RmsNormScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> destination)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)(x[i] * x[i]);
        var scale = Scale(sum, x.Length, epsilon);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] * scale * weight[i];
    }

    private static float Scale(double sumOfSquares, int length, float epsilon) => 1.0f / MathF.Sqrt((float)(sumOfSquares / length) + epsilon);

    private static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float scale, Span<float> destination)
    {
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ws = ref MemoryMarshal.GetReference(weight);
        ref var ds = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
                (Vector512.LoadUnsafe(ref xs, i) * scale * Vector512.LoadUnsafe(ref ws, i)).StoreUnsafe(ref ds, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref xs, i) * scale * Vector256.LoadUnsafe(ref ws, i)).StoreUnsafe(ref ds, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4)
                (Vector128.LoadUnsafe(ref xs, i) * scale * Vector128.LoadUnsafe(ref ws, i)).StoreUnsafe(ref ds, i);
        for (; i < n; i++) Unsafe.Add(ref ds, i) = Unsafe.Add(ref xs, i) * scale * Unsafe.Add(ref ws, i);
    }

    /// <summary>destination += source.</summary>
    public static void Add(Span<float> destination, ReadOnlySpan<float> source)
    {
        ref var d = ref MemoryMarshal.GetReference(destination);
        ref var s = ref MemoryMarshal.GetReference(source);
        nuint n = (nuint)destination.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref d, i) + Vector512.LoadUnsafe(ref s, i), ref d, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref d, i) + Vector256.LoadUnsafe(ref s, i), ref d, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref d, i) + Vector128.LoadUnsafe(ref s, i), ref d, i);
        for (; i < n; i++) Unsafe.Add(ref d, i) += Unsafe.Add(ref s, i);
    }

    public static void AddScalar(Span<float> destination, ReadOnlySpan<float> source)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] += source[i];
    }

    public static void Scale(Span<float> values, float factor)
    {
        ref var d = ref MemoryMarshal.GetReference(values);
        nuint n = (nuint)values.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref d, i) * factor, ref d, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref d, i) * factor, ref d, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref d, i) * factor, ref d, i);
        for (; i < n; i++) Unsafe.Add(ref d, i) *= factor;
    }

    public static void ScaleScalar(Span<float> values, float factor)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= factor;
    }

    /// <summary>gate = silu(gate) ⊙ up, silu(x) = x / (1 + e^-x), with <see cref="VectorExp"/>'s e^x.</summary>
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        if (up.Length < gate.Length) throw new ArgumentException("up shorter than gate", nameof(up));
        ref var g = ref MemoryMarshal.GetReference(gate);
        ref var u = ref MemoryMarshal.GetReference(up);
        nuint n = (nuint)gate.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
            {
                var x = Vector512.LoadUnsafe(ref g, i);
                (x / (Vector512<float>.One + VectorExp.Exp(-x)) * Vector512.LoadUnsafe(ref u, i)).StoreUnsafe(ref g, i);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
            {
                var x = Vector256.LoadUnsafe(ref g, i);
                (x / (Vector256<float>.One + VectorExp.Exp(-x)) * Vector256.LoadUnsafe(ref u, i)).StoreUnsafe(ref g, i);
            }
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4)
            {
                var x = Vector128.LoadUnsafe(ref g, i);
                (x / (Vector128<float>.One + VectorExp.Exp(-x)) * Vector128.LoadUnsafe(ref u, i)).StoreUnsafe(ref g, i);
            }
        for (; i < n; i++)
        {
            var x = Unsafe.Add(ref g, i);
            Unsafe.Add(ref g, i) = x / (1f + VectorExp.Exp(-x)) * Unsafe.Add(ref u, i);
        }
    }

    public static void SwiGluScalar(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++)
        {
            var x = gate[i];
            gate[i] = x / (1f + VectorExp.Exp(-x)) * up[i];
        }
    }

    /// <summary>gate = gelu(gate) ⊙ up, GELU read from <see cref="TanhGelu"/>'s F16 table as ggml does.</summary>
    public static void GeGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++)
            gate[i] = TanhGelu.Apply(gate[i]) * up[i];
    }

    /// <summary>values = tanh(values · (1/cap)) · cap, in the order ggml's scale, tanh, scale runs it.</summary>
    public static void SoftCap(Span<float> values, float cap)
    {
        var inverse = 1f / cap;
        for (int i = 0; i < values.Length; i++)
            values[i] = MathF.Tanh(values[i] * inverse) * cap;
    }

    /// <summary>Σ a[i]·b[i] in float, eight independent accumulators wide.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ref var x = ref MemoryMarshal.GetReference(a);
        ref var y = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length, i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i), acc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i), acc);
            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            var acc = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4) acc = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i), acc);
            sum = Vector128.Sum(acc);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        return sum;
    }

    public static float DotScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
