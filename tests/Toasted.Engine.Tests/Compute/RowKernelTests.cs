using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>The SIMD paths of the float row kernels against their scalar twins, at lengths that
/// exercise every vector width and tail. Run under each ISA switch by <c>make test-isa</c>.</summary>
[Category("Kernels")]
public class RowKernelTests
{
    private static float[] Random(int seed, int length)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray();
    }

    [Test]
    public void Add_equals_scalar_twin_exactly() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var a = Random(seed, length);
            var b = Random(seed + 1, length);
            var simd = a.ToArray();
            var scalar = a.ToArray();
            RowKernels.Add(simd, b);
            RowKernels.AddScalar(scalar, b);
            return simd.SequenceEqual(scalar);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Scale_equals_scalar_twin_exactly() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var simd = Random(seed, length);
            var scalar = simd.ToArray();
            RowKernels.Scale(simd, 0.37f);
            RowKernels.ScaleScalar(scalar, 0.37f);
            return simd.SequenceEqual(scalar);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Dot_equals_scalar_twin_within_float_reassociation() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var a = Random(seed, length);
            var b = Random(seed + 7, length);
            var simd = RowKernels.Dot(a, b);
            var scalar = RowKernels.DotScalar(a, b);
            // Different summation order: bounded by n·ε·Σ|a·b|.
            var bound = 1e-6 * length * a.Zip(b, (x, y) => Math.Abs(x * y)).Sum() + 1e-6;
            return Math.Abs(simd - scalar) <= bound;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void RmsNorm_equals_scalar_twin_up_to_the_rounding_of_the_double_sum() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var x = Random(seed, length + 1);
            var weight = Random(seed + 3, length + 1);
            var simd = new float[length + 1];
            var scalar = new float[length + 1];
            RowKernels.RmsNorm(x, weight, 1e-5f, simd);
            RowKernels.RmsNormScalar(x, weight, 1e-5f, scalar);
            // The sums differ in the last bits of a double; the float scale from them is equal or one ulp
            // apart, and every product x · scale · weight follows it.
            for (int i = 0; i < simd.Length; i++)
            {
                if (simd[i] == scalar[i]) continue;
                var ulp = Math.Abs(MathF.BitIncrement(scalar[i]) - scalar[i]);
                if (Math.Abs(simd[i] - scalar[i]) > 2 * ulp) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void RmsNorm_of_a_long_row_equals_scalar_twin_bit_for_bit_on_most_rows()
    {
        // The double sum moves by ~1e-16 of itself; the float mean changes only at a rounding tie, so over a
        // thousand 2048-wide rows (the width of TinyLlama's norms) all but a rare one must match exactly.
        int exact = 0;
        for (int seed = 0; seed < 1000; seed++)
        {
            var x = Random(seed, 2048);
            var weight = Random(seed + 1, 2048);
            var simd = new float[2048];
            var scalar = new float[2048];
            RowKernels.RmsNorm(x, weight, 1e-5f, simd);
            RowKernels.RmsNormScalar(x, weight, 1e-5f, scalar);
            if (simd.AsSpan().SequenceEqual(scalar)) exact++;
        }
        Assert.That(exact, Is.GreaterThanOrEqualTo(995));
    }

    [Test]
    public void RmsNorm_output_has_unit_root_mean_square_before_the_weight() =>
        Prop.ForAll<int>(seed =>
        {
            var x = Random(seed, 96);
            var ones = Enumerable.Repeat(1f, 96).ToArray();
            var y = new float[96];
            RowKernels.RmsNorm(x, ones, 1e-6f, y);
            var rms = Math.Sqrt(y.Average(v => (double)v * v));
            return Math.Abs(rms - 1) < 1e-4;
        }).QuickCheckThrowOnFailure();
}
