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
