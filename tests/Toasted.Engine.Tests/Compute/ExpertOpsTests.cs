using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Compute;

/// <summary>The CPU mixture-of-experts ops against values worked by hand and against plain loops.</summary>
public unsafe class ExpertOpsTests
{
    private const int Experts = 3;
    private const int RowsPerExpert = 4;
    private const int RowLength = 8;

    [Test]
    public void Select_experts_keeps_the_top_k_probabilities_renormalised()
    {
        using var backend = new CpuBackend(2);
        var step = backend.BeginStep();
        // softmax(ln 1, ln 2, ln 3, ln 4) = (0.1, 0.2, 0.3, 0.4): the top two are experts 3 and 2,
        // with 0.4 and 0.3, renormalised to 4/7 and 3/7.
        var logits = Buffer(backend, 1, 4, [0f, MathF.Log(2), MathF.Log(3), MathF.Log(4)]);
        var ids = backend.AllocateBuffer(1, 2);
        var weights = backend.AllocateBuffer(1, 2);

        step.SelectExperts(logits, normaliseWeights: false, ids, weights);
        Assert.That(Read(ids), Is.EqualTo(new[] { 3f, 2f }));
        Assert.That(Read(weights), Is.EqualTo(new[] { 0.4f, 0.3f }).Within(1e-6f));

        step.SelectExperts(logits, normaliseWeights: true, ids, weights);
        Assert.That(Read(weights), Is.EqualTo(new[] { 4f / 7, 3f / 7 }).Within(1e-6f));
    }

    [TestCase(1)]
    [TestCase(5)]
    public void Expert_matmul_multiplies_each_choice_by_its_own_slab(int tokens)
    {
        using var backend = new CpuBackend(2);
        var step = backend.BeginStep();
        var rng = new Random(7 + tokens);
        var slabs = Uniform(rng, Experts * RowsPerExpert * RowLength);
        var inputs = Uniform(rng, tokens * RowLength);
        // Two choices per token, always two different experts, cycling so every expert is used in prefill.
        var choices = Enumerable.Range(0, tokens).SelectMany(t => new[] { (float)(t % Experts), (float)((t + 2) % Experts) }).ToArray();
        fixed (float* data = slabs)
        {
            var weight = new CpuWeightTensor("exps", GgmlType.F32, RowLength, Experts * RowsPerExpert, (byte*)data, RowLength * sizeof(float));
            var ids = Buffer(backend, tokens, 2, choices);
            var destination = backend.AllocateBuffer(tokens, 2 * RowsPerExpert);

            // One shared input per token.
            step.MatMulExperts(weight, Buffer(backend, tokens, RowLength, inputs), ids, destination);
            AssertSlabProducts(slabs, t => inputs.AsSpan(t * RowLength, RowLength).ToArray(), choices, Read(destination), tokens);

            // One input per choice (the down projection's case): choice j reads slice j of its row.
            var perChoice = Uniform(rng, tokens * 2 * RowLength);
            step.MatMulExperts(weight, Buffer(backend, tokens, 2 * RowLength, perChoice), ids, destination);
            var result = Read(destination);
            for (int t = 0; t < tokens; t++)
            for (int j = 0; j < 2; j++)
            {
                var expert = (int)choices[t * 2 + j];
                var input = perChoice.AsSpan((t * 2 + j) * RowLength, RowLength).ToArray();
                for (int r = 0; r < RowsPerExpert; r++)
                    Assert.That(result[t * 2 * RowsPerExpert + j * RowsPerExpert + r], Is.EqualTo(Dot(slabs, expert, r, input)).Within(1e-5));
            }
        }
    }

    [Test]
    public void Weighted_sum_adds_each_choice_scaled_by_its_weight()
    {
        using var backend = new CpuBackend(2);
        var step = backend.BeginStep();
        var outputs = Buffer(backend, 1, 4, [1f, 2f, 10f, 20f]); // two choices of two columns
        var weights = Buffer(backend, 1, 2, [0.25f, 0.5f]);
        var destination = backend.AllocateBuffer(1, 2);
        step.WeightedSumExperts(outputs, weights, destination);
        Assert.That(Read(destination), Is.EqualTo(new[] { 0.25f + 5f, 0.5f + 10f }));
    }

    private static void AssertSlabProducts(float[] slabs, Func<int, float[]> input, float[] choices, float[] result, int tokens)
    {
        for (int t = 0; t < tokens; t++)
        for (int j = 0; j < 2; j++)
        {
            var expert = (int)choices[t * 2 + j];
            for (int r = 0; r < RowsPerExpert; r++)
                Assert.That(result[t * 2 * RowsPerExpert + j * RowsPerExpert + r], Is.EqualTo(Dot(slabs, expert, r, input(t))).Within(1e-5),
                    $"token {t} choice {j} (expert {expert}) row {r}");
        }
    }

    private static double Dot(float[] slabs, int expert, int row, float[] input)
    {
        double sum = 0;
        var offset = (expert * RowsPerExpert + row) * RowLength;
        for (int i = 0; i < RowLength; i++) sum += (double)slabs[offset + i] * input[i];
        return sum;
    }

    private static float[] Uniform(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static ComputeBuffer Buffer(IComputeBackend backend, int rows, int columns, float[] values)
    {
        var buffer = (CpuBuffer)backend.AllocateBuffer(rows, columns);
        values.CopyTo(buffer.All);
        return buffer;
    }

    private static float[] Read(ComputeBuffer buffer)
    {
        var values = new float[buffer.Rows * buffer.Columns];
        buffer.CopyTo(values);
        return values;
    }
}
