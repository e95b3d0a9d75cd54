using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;

namespace Toasted.Engine.Tests.Compute;

/// <summary>The kernels Gemma 3 and Phi-3 added: tanh GELU (ggml's F16 table), GeGLU, soft-capping
/// and the column split of fused projections.</summary>
[Category("Kernels")]
public class GatedActivationTests
{
    [Test]
    public void Tanh_gelu_is_the_formula_rounded_through_f16_and_exact_at_f16_inputs()
    {
        for (float x = -12f; x <= 12f; x += 0.0137f)
        {
            var ours = TanhGelu.Apply(x);
            if (x <= -10f) Assert.That(ours, Is.EqualTo(0f), $"x = {x}");
            else if (x >= 10f) Assert.That(ours, Is.EqualTo(x), $"x = {x}");
            else
            {
                // Input rounded to F16 (relative 2^-11, slope of GELU at most 1.13), output rounded to F16.
                var tolerance = 1.13 * Math.Abs(x) * Math.Pow(2, -11) + Math.Abs(TanhGelu.Exact(x)) * Math.Pow(2, -10) + 1e-7;
                Assert.That(ours, Is.EqualTo(TanhGelu.Exact(x)).Within(tolerance), $"x = {x}");
                // At an input that is already an F16 value, the table is the formula rounded to F16.
                var h = (float)(Half)x;
                Assert.That(TanhGelu.Apply(h), Is.EqualTo((float)(Half)TanhGelu.Exact(h)), $"x = {h}");
            }
        }
    }

    [Test]
    public void GeGlu_multiplies_the_gelu_of_the_gate_by_up() =>
        Prop.ForAll<int, byte>((seed, length) =>
        {
            var rng = new Random(seed);
            var gate = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 24 - 12)).ToArray();
            var up = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            var result = gate.ToArray();
            RowKernels.GeGlu(result, up);
            return result.Select((r, i) => r == TanhGelu.Apply(gate[i]) * up[i]).All(x => x);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void SoftCap_is_cap_times_tanh_of_value_over_cap()
    {
        const float cap = 30f;
        var values = Enumerable.Range(-400, 801).Select(i => i * 0.5f).ToArray();
        var capped = values.ToArray();
        RowKernels.SoftCap(capped, cap);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(capped[i], Is.EqualTo(cap * Math.Tanh(values[i] / cap)).Within(2e-5), $"x = {values[i]}");
            Assert.That(Math.Abs(capped[i]), Is.LessThanOrEqualTo(cap));
        }
    }

    [Test]
    public void CopyColumns_splits_a_fused_projection_into_its_parts()
    {
        using var backend = new CpuBackend(1);
        var fused = backend.AllocateBuffer(3, 10);
        var values = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();
        values.AsSpan().CopyTo(((CpuBuffer)fused).All);
        var first = backend.AllocateBuffer(3, 6);
        var second = backend.AllocateBuffer(3, 4);
        var step = backend.BeginStep();
        step.CopyColumns(fused, 0, first);
        step.CopyColumns(fused, 6, second);
        step.Submit();
        var a = new float[18];
        var b = new float[12];
        first.CopyTo(a);
        second.CopyTo(b);
        Assert.That(a, Is.EqualTo(new float[] { 0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25 }));
        Assert.That(b, Is.EqualTo(new float[] { 6, 7, 8, 9, 16, 17, 18, 19, 26, 27, 28, 29 }));
        Assert.Throws<ArgumentException>(() => step.CopyColumns(fused, 7, second));
    }
}
