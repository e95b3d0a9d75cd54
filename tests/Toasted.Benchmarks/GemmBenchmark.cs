using System.Diagnostics;
using System.Runtime.InteropServices;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Quantization;

namespace Toasted.Benchmarks;

/// <summary>
/// Single-thread throughput of the prefill matrix kernel (<see cref="QuantizedMatMat.Tile"/>) on a random
/// weight of ROWS × K against TOKENS quantized activation rows, next to the per-row dot it replaces.
/// Reports integer multiply-adds as 2 ops each (Gop/s), the convention of GEMM figures.
/// </summary>
public static unsafe class GemmBenchmark
{
    public static void Run(GgmlType type, int rows, int k, int tokens, int repeats)
    {
        var traits = QuantTraitsTable.Get(type);
        long rowBytes = traits.RowBytes(k);
        var random = new Random(7);
        byte* weights = (byte*)NativeMemory.AlignedAlloc((nuint)(rowBytes * rows), 64);
        var weightBytes = new Span<byte>(weights, (int)(rowBytes * rows));
        random.NextBytes(weightBytes);
        if (traits.BlockSize > 1)
        {
            var scale = BitConverter.HalfToUInt16Bits((Half)0.01f);
            // Where each format keeps its f16 scales: random bytes there would make infinities and NaNs.
            int[] offsets = type switch
            {
                GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q4_1 or GgmlType.Q5_1 => [0, 2],
                GgmlType.Q6_K or GgmlType.Q3_K => [traits.BytesPerBlock - 2],
                GgmlType.Q2_K => [traits.BytesPerBlock - 4, traits.BytesPerBlock - 2],
                _ => [0],
            };
            for (long block = 0; block < weightBytes.Length / traits.BytesPerBlock; block++)
                foreach (var offset in offsets) BitConverter.TryWriteBytes(weightBytes.Slice((int)(block * traits.BytesPerBlock) + offset, 2), scale);
        }
        var weight = new CpuWeightTensor("bench", type, k, rows, weights, rowBytes);
        int activationRowBytes = ActivationQuantizer.RowBytes(traits.ActivationType, k);
        var activations = new byte[activationRowBytes * tokens];
        var x = new float[k];
        for (int t = 0; t < tokens; t++)
        {
            for (int i = 0; i < k; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
            ActivationQuantizer.Quantize(traits.ActivationType, x, activations.AsSpan(t * activationRowBytes, activationRowBytes));
        }
        var output = new float[(long)rows * tokens];
        double ops = 2.0 * rows * k * tokens;
        fixed (float* destination = output)
        {
            QuantizedMatMat.Tile(weight, activations, activationRowBytes, tokens, 0, rows, destination, rows);
            var best = double.MaxValue;
            for (int i = 0; i < repeats; i++)
            {
                var clock = Stopwatch.StartNew();
                QuantizedMatMat.Tile(weight, activations, activationRowBytes, tokens, 0, rows, destination, rows);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            // Per-row dots on a sixteenth of the rows: the path prefill took before the matrix kernel.
            int sampleRows = Math.Max(8, rows / 16);
            var dotClock = Stopwatch.StartNew();
            for (int r = 0; r < sampleRows; r++)
                for (int t = 0; t < tokens; t++)
                    output[(long)t * rows + r] = traits.Dot(weight.Row(r), activations.AsSpan(t * activationRowBytes, activationRowBytes), k);
            double dotSeconds = dotClock.Elapsed.TotalSeconds * rows / sampleRows;
            double worst = 0;
            for (int check = 0; check < 64; check++)
            {
                int r = random.Next(rows), t = random.Next(tokens);
                QuantizedMatMat.Tile(weight, activations.AsSpan(t * activationRowBytes, activationRowBytes), activationRowBytes, 1, r, r + 1, destination + (long)t * rows, rows);
                float reference = traits.DotScalar(weight.Row(r), activations.AsSpan(t * activationRowBytes, activationRowBytes), k);
                worst = Math.Max(worst, Math.Abs(output[(long)t * rows + r] - reference) / Math.Max(1e-6, Math.Abs(reference)));
            }
            Console.WriteLine($"{type} {rows}x{k} x {tokens} tokens, 1 thread: matrix kernel {ops / best / 1e9:F1} Gop/s ({best * 1e3:F1} ms), " +
                $"per-row dots {ops / dotSeconds / 1e9:F1} Gop/s, worst relative difference to DotScalar {worst:E1}");
        }
        NativeMemory.AlignedFree(weights);
    }
}
