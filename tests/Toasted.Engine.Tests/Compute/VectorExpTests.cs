using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>The vector e^x against its scalar twin (to the bit) and against <see cref="MathF.Exp"/>
/// (in ulps) over the whole float range that matters: results that are normal, subnormal, zero
/// and infinite. Run under each ISA switch by <c>make test-isa</c>.</summary>
[Category("Kernels")]
public class VectorExpTests
{
    private const int UlpBound = 2;

    /// <summary>Distance in units in the last place between two floats of the same sign.</summary>
    private static long Ulps(float a, float b) =>
        Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    private static float[] Sweep(float from, float to, int count) =>
        Enumerable.Range(0, count).Select(i => from + (to - from) * i / (count - 1)).ToArray();

    [Test]
    public void Vector_paths_equal_the_scalar_twin_bit_for_bit() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var rng = new Random(seed);
            var x = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 240 - 120)).ToArray();
            var simd = new float[length];
            var scalar = new float[length];
            VectorExp.Exp(x, simd);
            VectorExp.ExpScalar(x, scalar);
            return simd.Select(BitConverter.SingleToInt32Bits).SequenceEqual(scalar.Select(BitConverter.SingleToInt32Bits));
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Vector_paths_equal_the_scalar_twin_on_special_values()
    {
        float[] x = [float.NegativeInfinity, float.PositiveInfinity, float.NaN, 0f, -0f, float.MaxValue, float.MinValue,
            float.Epsilon, -float.Epsilon, 88.72283f, 88.7229f, -87.33655f, -103.2789f, -103.9721f, -104f, -104.5f, 89f, 1e-30f,
            -1e-30f, 0.34657359f, -0.34657359f];
        // Every width and the tail see each value: lengths up to 16 + 8 + 4 + 3.
        for (int length = 1; length <= 31; length++)
        {
            var input = Enumerable.Range(0, length).Select(i => x[i % x.Length]).ToArray();
            var simd = new float[length];
            var scalar = new float[length];
            VectorExp.Exp(input, simd);
            VectorExp.ExpScalar(input, scalar);
            for (int i = 0; i < length; i++)
                Assert.That(BitConverter.SingleToInt32Bits(simd[i]), Is.EqualTo(BitConverter.SingleToInt32Bits(scalar[i])), $"x = {input[i]}");
        }
    }

    [Test]
    public void Within_two_ulps_of_MathF_Exp_from_underflow_to_overflow()
    {
        // Steps of about 1e-4 across [−110, 92]: normal, subnormal, zero and infinite results.
        var x = Sweep(-110f, 92f, 2_000_003);
        var simd = new float[x.Length];
        VectorExp.Exp(x, simd);
        long worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            var expected = MathF.Exp(x[i]);
            var ulps = Ulps(simd[i], expected);
            if (ulps > UlpBound) Assert.Fail($"e^{x[i]:R}: {simd[i]:R}, MathF.Exp {expected:R}, {ulps} ulps apart");
            worst = Math.Max(worst, ulps);
        }
        TestContext.Out.WriteLine($"largest difference from MathF.Exp: {worst} ulp");
    }

    [Test]
    public void Within_two_ulps_of_MathF_Exp_at_random_floats() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            var x = Enumerable.Range(0, 256).Select(_ => (float)(rng.NextDouble() * 210 - 115)).ToArray();
            var simd = new float[x.Length];
            VectorExp.Exp(x, simd);
            return x.Select((v, i) => Ulps(simd[i], MathF.Exp(v)) <= UlpBound).All(ok => ok);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Very_negative_inputs_give_zero_overflow_gives_infinity_and_nan_stays_nan()
    {
        float[] x = [-104f, -150f, -1e10f, float.MinValue, float.NegativeInfinity, 88.8f, 100f, 1e10f, float.MaxValue, float.PositiveInfinity, float.NaN, 0f];
        var simd = new float[x.Length];
        VectorExp.Exp(x, simd);
        for (int i = 0; i < 5; i++) Assert.That(simd[i], Is.EqualTo(0f), $"x = {x[i]}");
        for (int i = 5; i < 10; i++) Assert.That(simd[i], Is.EqualTo(float.PositiveInfinity), $"x = {x[i]}");
        Assert.That(float.IsNaN(simd[10]), Is.True, "NaN");
        Assert.That(simd[11], Is.EqualTo(1f), "e^0");
        // The subnormal range rounds once: the smallest subnormal appears where MathF.Exp has it.
        Assert.That(VectorExp.Exp(-103.2789f), Is.EqualTo(MathF.Exp(-103.2789f)));
        Assert.That(VectorExp.Exp(-103.9f), Is.EqualTo(MathF.Exp(-103.9f)));
    }

    [Test]
    public void SwiGlu_equals_scalar_twin_exactly_and_the_formula_in_double_closely() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var rng = new Random(seed);
            var gate = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 40 - 20)).ToArray();
            var up = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            var simd = gate.ToArray();
            var scalar = gate.ToArray();
            RowKernels.SwiGlu(simd, up);
            RowKernels.SwiGluScalar(scalar, up);
            var exact = simd.SequenceEqual(scalar);
            // Against silu in double: a few float roundings, relative.
            var close = gate.Select((g, i) =>
            {
                var expected = g / (1 + Math.Exp(-(double)g)) * up[i];
                return Math.Abs(simd[i] - expected) <= 4e-7 * Math.Abs(expected) + 1e-30;
            }).All(ok => ok);
            return exact && close;
        }).QuickCheckThrowOnFailure();
}
