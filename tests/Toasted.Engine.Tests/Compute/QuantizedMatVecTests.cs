using System.Runtime.InteropServices;
using NUnit.Framework;
using Toasted.Engine.Compute;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Quantization;
using Toasted.Engine.Tests.Quantization;

namespace Toasted.Engine.Tests.Compute;

/// <summary>The single-token matmul path against one <c>DotScalar</c> per row, for every supported type.</summary>
[Category("Kernels")]
public unsafe class QuantizedMatVecTests
{
    private static IEnumerable<GgmlType> SupportedTypes() => QuantTraitsTable.SupportedTypes;

    [TestCaseSource(nameof(SupportedTypes))]
    public void Rows_equal_one_row_scalar_dots(GgmlType type)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(2024 + (int)type);
        int n = traits.BlockSize == 1 ? 300 : 9 * traits.BlockSize;
        const int rows = 37;
        var weights = MultiRowDotTests.WeightRows(type, n / traits.BlockSize, rows, rng, RandomRows.Pattern.Random);
        var x = RandomRows.Gaussian(rng, n);
        var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
        ActivationQuantizer.Quantize(traits.ActivationType, x, activations);
        var decodedActivations = DecodedActivations(traits.ActivationType, activations, n);

        fixed (byte* data = weights)
        {
            var weight = new CpuWeightTensor("w", type, n, rows, data, traits.RowBytes(n));
            var destination = (float*)NativeMemory.AlignedAlloc(rows * sizeof(float), 64);
            try
            {
                // Two overlapping calls cover uneven boundaries: [0, 5) then [5, rows).
                QuantizedMatVec.Rows(weight, activations, 0, 5, destination);
                QuantizedMatVec.Rows(weight, activations, 5, rows, destination);
                var decoded = new float[n];
                for (int r = 0; r < rows; r++)
                {
                    var row = weight.Row(r);
                    float expected = traits.DotScalar(row, activations, n);
                    traits.DequantizeScalar(row, decoded);
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) magnitude += Math.Abs((double)decoded[i] * decodedActivations[i]);
                    double tolerance = 2.0 * n * 1.2e-7 * magnitude + 1e-30;
                    Assert.That(Math.Abs(destination[r] - expected), Is.LessThanOrEqualTo(tolerance), $"{type} row {r}: {destination[r]} vs {expected}");
                }
            }
            finally
            {
                NativeMemory.AlignedFree(destination);
            }
        }
    }

    [TestCase(GgmlType.Q4_0)]
    [TestCase(GgmlType.Q8_0)]
    [TestCase(GgmlType.Q4_K)]
    [TestCase(GgmlType.Q6_K)]
    public void Interleaved_decode_rows_equal_one_row_scalar_dots(GgmlType type)
    {
        if (!Q4_0InterleavedKernels.IsSupported) Assert.Ignore("rows are interleaved only on cores with a vector path for them");
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(31337);
        int n = 9 * traits.BlockSize;
        const int rows = 37;
        var weights = MultiRowDotTests.WeightRows(type, n / traits.BlockSize, rows, rng, RandomRows.Pattern.Random);
        var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
        ActivationQuantizer.Quantize(traits.ActivationType, RandomRows.Gaussian(rng, n), activations);
        var decodedActivations = DecodedActivations(traits.ActivationType, activations, n);
        fixed (byte* data = weights)
        {
            var weight = new CpuWeightTensor("w", type, n, rows, data, traits.RowBytes(n));
            using var interleaved = InterleavedRows.TryCreate(weight);
            Assert.That(interleaved, Is.Not.Null);
            weight.Interleaved = interleaved;
            var destination = new float[rows];
            var decoded = new float[n];
            // Ranges that start and end inside groups, cover whole groups, and the tail after the last group.
            foreach (var (first, end) in new[] { (0, rows), (0, 5), (5, 37), (3, 30), (8, 16), (32, 37) })
            {
                Array.Fill(destination, float.NaN);
                fixed (float* d = destination)
                    QuantizedMatVec.Rows(weight, activations, first, end, d);
                for (int r = 0; r < rows; r++)
                {
                    if (r < first || r >= end)
                    {
                        Assert.That(destination[r], Is.NaN, $"row {r} outside [{first}, {end}) was written");
                        continue;
                    }
                    var row = weight.Row(r);
                    float expected = traits.DotScalar(row, activations, n);
                    traits.DequantizeScalar(row, decoded);
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) magnitude += Math.Abs((double)decoded[i] * decodedActivations[i]);
                    Assert.That(Math.Abs(destination[r] - expected), Is.LessThanOrEqualTo(2.0 * n * 1.2e-7 * magnitude + 1e-30), $"row {r} of [{first}, {end})");
                }
            }
        }
    }

    [Test]
    public void Shares_cover_every_row_of_every_job_once_in_whole_lines()
    {
        int[][] jobLists = [[1], [15], [16], [17], [100, 2048, 5632], [32000], [48, 21, 7, 64, 33], [768, 768, 768, 768, 768, 768, 768, 768]];
        foreach (var jobs in jobLists)
        foreach (int parts in new[] { 1, 2, 3, 7 })
        {
            long lines = jobs.Sum(rows => ParallelMatVec.Lines(rows));
            var covered = jobs.Select(rows => new int[rows]).ToArray();
            long nextLine = 0;
            for (int p = 0; p < parts; p++)
            {
                var (first, end) = ParallelMatVec.LineShare(lines, parts, p);
                Assert.That(first, Is.EqualTo(nextLine), $"jobs [{string.Join(", ", jobs)}], {parts} parts: part {p} starts where the last ended");
                nextLine = end;
                long jobFirstLine = 0;
                for (int j = 0; j < jobs.Length; j++)
                {
                    var (from, to) = ParallelMatVec.JobRows(first, end, jobFirstLine, jobs[j]);
                    if (from < to) Assert.That(from % 16, Is.EqualTo(0), "a share starts on a destination line");
                    for (int r = from; r < to; r++) covered[j][r]++;
                    jobFirstLine += ParallelMatVec.Lines(jobs[j]);
                }
            }
            Assert.That(nextLine, Is.EqualTo(lines));
            for (int j = 0; j < jobs.Length; j++)
                Assert.That(covered[j], Is.All.EqualTo(1), $"jobs [{string.Join(", ", jobs)}], {parts} parts: every row of job {j} exactly once");
        }
    }

    [Test]
    public void Parallel_matvec_matches_the_serial_rows()
    {
        var traits = QuantTraitsTable.Get(GgmlType.Q4_0);
        var rng = new Random(5);
        const int n = 256, rows = 203;
        var weights = MultiRowDotTests.WeightRows(GgmlType.Q4_0, n / 32, rows, rng, RandomRows.Pattern.Random);
        var activations = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
        ActivationQuantizer.Quantize(traits.ActivationType, RandomRows.Gaussian(rng, n), activations);
        using var pool = new WorkerPool(3);
        fixed (byte* data = weights)
        {
            var weight = new CpuWeightTensor("w", GgmlType.Q4_0, n, rows, data, traits.RowBytes(n));
            var serial = new float[rows];
            var parallel = new float[rows];
            fixed (float* s = serial)
            fixed (float* p = parallel)
            {
                QuantizedMatVec.Rows(weight, activations, 0, rows, s);
                var matVec = new ParallelMatVec(pool);
                matVec.Jobs(1)[0] = new MatVecJob(weight, 0, activations.Length, p);
                matVec.RunJobs(1, activations);
            }
            Assert.That(parallel, Is.EqualTo(serial));
        }
    }

    [Test]
    public void Several_products_in_one_dispatch_match_each_run_alone()
    {
        // Row counts that are and are not whole 16-row lines, different weights and activation slices per product:
        // the shares cross from one product into the next.
        var traits = QuantTraitsTable.Get(GgmlType.Q4_0);
        var rng = new Random(11);
        const int n = 256;
        int[] rowCounts = [48, 21, 7, 64, 33];
        int activationBytes = ActivationQuantizer.RowBytes(traits.ActivationType, n);
        var activations = new byte[rowCounts.Length * activationBytes];
        for (int j = 0; j < rowCounts.Length; j++)
            ActivationQuantizer.Quantize(traits.ActivationType, RandomRows.Gaussian(rng, n), activations.AsSpan(j * activationBytes, activationBytes));
        var weightBytes = rowCounts.Select(rows => MultiRowDotTests.WeightRows(GgmlType.Q4_0, n / 32, rows, rng, RandomRows.Pattern.Random)).ToArray();
        var handles = weightBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        int total = rowCounts.Sum();
        var alone = new float[total];
        var together = new float[total];
        try
        {
            var weights = rowCounts.Select((rows, j) => new CpuWeightTensor($"w{j}", GgmlType.Q4_0, n, rows,
                (byte*)handles[j].AddrOfPinnedObject(), traits.RowBytes(n))).ToArray();
            foreach (int threads in new[] { 1, 2, 3, 7 })
            {
                using var pool = new WorkerPool(threads);
                var matVec = new ParallelMatVec(pool);
                Array.Fill(together, float.NaN);
                fixed (float* a = alone)
                fixed (float* t = together)
                {
                    var jobs = matVec.Jobs(rowCounts.Length);
                    for (int j = 0, offset = 0; j < rowCounts.Length; offset += rowCounts[j++])
                    {
                        QuantizedMatVec.Rows(weights[j], activations.AsSpan(j * activationBytes, activationBytes), 0, rowCounts[j], a + offset);
                        jobs[j] = new MatVecJob(weights[j], j * activationBytes, activationBytes, t + offset);
                    }
                    matVec.RunJobs(rowCounts.Length, activations);
                }
                Assert.That(together, Is.EqualTo(alone), $"{threads} threads");
            }
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }

    [Test]
    public void A_step_s_products_of_one_input_equal_its_matmuls_one_by_one()
    {
        // Q4_0 and Q8_0 both take Q8_0 activations, so they share one dispatch; Q4_K takes Q8_K, so a list with
        // it runs product by product. Either way every result must be MatMul's, bit for bit.
        var rng = new Random(12);
        const int n = 256;
        (GgmlType Type, int Rows)[] shapes = [(GgmlType.Q4_0, 40), (GgmlType.Q8_0, 17), (GgmlType.Q4_K, 24)];
        var weightBytes = shapes.Select(s => MultiRowDotTests.WeightRows(s.Type, n / QuantTraitsTable.Get(s.Type).BlockSize, s.Rows, rng, RandomRows.Pattern.Random)).ToArray();
        var handles = weightBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        try
        {
            var weights = shapes.Select((s, j) => (WeightTensor)new CpuWeightTensor($"w{j}", s.Type, n, s.Rows,
                (byte*)handles[j].AddrOfPinnedObject(), QuantTraitsTable.Get(s.Type).RowBytes(n))).ToArray();
            using var input = new CpuBuffer(1, n);
            RandomRows.Gaussian(rng, n).CopyTo(input.Row(0));
            foreach (int threads in new[] { 1, 2, 3 })
            foreach (var list in new[] { new[] { 0, 1 }, new[] { 1, 0, 1 }, new[] { 0, 1, 2 } })
            {
                using var pool = new WorkerPool(threads);
                using var step = new CpuComputeStep(pool);
                var alone = list.Select(j => new CpuBuffer(1, shapes[j].Rows)).ToArray();
                var together = list.Select(j => new CpuBuffer(1, shapes[j].Rows)).ToArray();
                for (int i = 0; i < list.Length; i++) step.MatMul(weights[list[i]], input, alone[i]);
                var products = list.Select((j, i) => (weights[j], (ComputeBuffer)together[i])).ToArray();
                step.MatMuls(input, products);
                for (int i = 0; i < list.Length; i++)
                    Assert.That(together[i].Row(0).ToArray(), Is.EqualTo(alone[i].Row(0).ToArray()), $"{threads} threads, products {string.Join(",", list)}, product {i}");
                foreach (var buffer in alone.Concat(together)) buffer.Dispose();
            }
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }

    private static float[] DecodedActivations(GgmlType activationType, byte[] activations, int n)
    {
        var decoded = new float[n];
        switch (activationType)
        {
            case GgmlType.Q8_K:
                for (int b = 0; b < n / 256; b++)
                {
                    float d = BitConverter.ToSingle(activations, b * 292);
                    for (int j = 0; j < 256; j++) decoded[256 * b + j] = d * (sbyte)activations[b * 292 + 4 + j];
                }
                break;
            case GgmlType.Q8_1:
                // f16 d, f16 s, int8 qs[32]; s only enters the dots, not the decoded values.
                for (int b = 0; b < n / 32; b++)
                {
                    float d = (float)BitConverter.ToHalf(activations, b * 36);
                    for (int j = 0; j < 32; j++) decoded[32 * b + j] = d * (sbyte)activations[b * 36 + 4 + j];
                }
                break;
            default:
                QuantTraitsTable.Get(activationType).DequantizeScalar(activations, decoded);
                break;
        }
        return decoded;
    }
}
