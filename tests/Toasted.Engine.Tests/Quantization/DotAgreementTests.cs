using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// The dot kernels on real llama-quantize weights against sums computed in double from the decoded values:
/// <list type="number">
/// <item><c>Dot(w, quantize(x))</c> equals Σ dequant(w)·dequant(quantize(x)) up to float summation error: the
///   kernels compute exactly the dot of the two decoded rows.</item>
/// <item>It is within Σ |dequant(w)_i|·e_i of the unquantized Σ dequant(w)·x, where e_i is the activation
///   format's own rounding bound (half a step for Q8_0/Q8_K, half an ulp for F16/BF16).</item>
/// </list>
/// </summary>
[Category("Kernels")]
public class DotAgreementTests
{
    private const int RowsPerTensor = 24;

    [TestCase("conf-llama-F16.gguf")]
    [TestCase("conf-llama-BF16.gguf")]
    [TestCase("conf-llama-Q8_0.gguf")]
    [TestCase("conf-llama-Q4_0.gguf")]
    [TestCase("conf-llama-Q4_K_M.gguf")]
    [TestCase("conf-llama-Q6_K.gguf")]
    [TestCase("conf-llama-Q2_K.gguf")]
    [TestCase("conf-llama-Q3_K.gguf")]
    [TestCase("conf-llama-Q5_K.gguf")]
    [TestCase("conf-llama-IQ4_XS.gguf")]
    [TestCase("conf-llama-Q4_1.gguf")]
    [TestCase("conf-llama-Q5_0.gguf")]
    [TestCase("conf-llama-Q5_1.gguf")]
    [TestCase("conf-llama-IQ4_NL.gguf")]
    public void Dot_of_quantized_activations_agrees_with_the_exact_dot_of_decoded_weights(string modelFile)
    {
        var path = Path.Combine(SharedKit.Require("corpus/conformance/models"), modelFile);
        if (!File.Exists(path)) Assert.Ignore($"{modelFile} is not shipped in the kit");
        using var model = GgufFile.Open(path);
        var rng = new Random(modelFile.Length * 31 + modelFile[^6]);
        int checkedRows = 0;
        foreach (var info in model.Tensors.Where(t => t.Dimensions.Length == 2))
        {
            var traits = QuantTraitsTable.Get(info.Type);
            int n = (int)info.RowLength;
            long rowBytes = traits.RowBytes(n);
            var bytes = model.GetTensorBytes(info);
            var x = RandomRows.Gaussian(rng, n);
            var activation = new byte[ActivationQuantizer.RowBytes(traits.ActivationType, n)];
            ActivationQuantizer.Quantize(traits.ActivationType, x, activation);
            var decodedActivation = DecodeActivation(traits.ActivationType, activation, n);
            var roundingBound = ActivationRoundingBound(traits.ActivationType, x, activation);
            var w = new float[n];
            for (int r = 0; r < Math.Min(RowsPerTensor, info.RowCount); r++)
            {
                var row = bytes.Slice((int)(r * rowBytes), (int)rowBytes);
                traits.DequantizeScalar(row, w);
                float dot = traits.Dot(row, activation, n);
                double decodedDot = 0, magnitude = 0, unquantizedDot = 0, allowedDrift = 0;
                for (int i = 0; i < n; i++)
                {
                    decodedDot += (double)w[i] * decodedActivation[i];
                    magnitude += Math.Abs((double)w[i] * decodedActivation[i]);
                    unquantizedDot += (double)w[i] * x[i];
                    allowedDrift += Math.Abs(w[i]) * roundingBound[i];
                }
                string where = $"{modelFile} {info.Name} ({info.Type}) row {r}";
                double summation = 4 * n * 6e-8 * magnitude + StoredSumDrift(info.Type, row, activation, n) + 1e-30;
                Assert.That(Math.Abs(dot - decodedDot), Is.LessThanOrEqualTo(summation), $"{where}: against the decoded rows");
                Assert.That(Math.Abs(dot - unquantizedDot), Is.LessThanOrEqualTo(allowedDrift + summation), $"{where}: against unquantized activations");
                checkedRows++;
            }
        }
        Assert.That(checkedRows, Is.GreaterThan(100));
    }

    /// <summary>
    /// Q4_1 / Q5_1 take each block's offset m times the activation's stored s = f16(d·Σq), not times the decoded
    /// f16(d)·Σq: the two differ by the f16 roundings of d and s, which this allows, Σ |m|·|s − f16(d)·Σq|.
    /// </summary>
    private static double StoredSumDrift(GgmlType weightType, ReadOnlySpan<byte> row, byte[] activation, int n)
    {
        if (weightType is not (GgmlType.Q4_1 or GgmlType.Q5_1)) return 0;
        int weightBytes = weightType == GgmlType.Q4_1 ? 20 : 24;
        double drift = 0;
        for (int b = 0; b < n / 32; b++)
        {
            double m = (double)BitConverter.ToHalf(row[(weightBytes * b + 2)..]);
            double d = (double)BitConverter.ToHalf(activation, 36 * b);
            double s = (double)BitConverter.ToHalf(activation, 36 * b + 2);
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += (sbyte)activation[36 * b + 4 + j];
            drift += Math.Abs(m) * Math.Abs(s - d * sum);
        }
        return drift;
    }

    private static float[] DecodeActivation(GgmlType type, byte[] activation, int n)
    {
        var y = new float[n];
        switch (type)
        {
            case GgmlType.Q8_K:
                for (int b = 0; b < n / 256; b++)
                {
                    float d = BitConverter.ToSingle(activation, 292 * b);
                    for (int j = 0; j < 256; j++) y[256 * b + j] = d * (sbyte)activation[292 * b + 4 + j];
                }
                break;
            case GgmlType.Q8_1:
                for (int b = 0; b < n / 32; b++)
                {
                    float d = (float)BitConverter.ToHalf(activation, 36 * b);
                    for (int j = 0; j < 32; j++) y[32 * b + j] = d * (sbyte)activation[36 * b + 4 + j];
                }
                break;
            default:
                // F16, BF16 and Q8_0 activations are stored exactly like weights of that type.
                QuantTraitsTable.Get(type).DequantizeScalar(activation, y);
                break;
        }
        return y;
    }

    /// <summary>Per element, how far the format may move x: half a quantization step, or half an ulp.</summary>
    private static double[] ActivationRoundingBound(GgmlType type, float[] x, byte[] activation)
    {
        var bound = new double[x.Length];
        int blockSize = type switch { GgmlType.Q8_0 or GgmlType.Q8_1 => 32, GgmlType.Q8_K => 256, _ => 1 };
        for (int b = 0; b < x.Length / blockSize; b++)
        {
            double amax = 0;
            for (int j = 0; j < blockSize; j++) amax = Math.Max(amax, Math.Abs(x[blockSize * b + j]));
            for (int j = 0; j < blockSize; j++)
            {
                int i = blockSize * b + j;
                bound[i] = type switch
                {
                    GgmlType.F16 => Math.Abs(x[i]) * Math.Pow(2, -11) + Math.Pow(2, -25),
                    GgmlType.BF16 => Math.Abs(x[i]) * Math.Pow(2, -8),
                    GgmlType.Q8_0 => amax / 254 + 127 * Math.Abs((double)BitConverter.ToHalf(activation, 34 * b) - amax / 127) + 1e-6 * amax,
                    GgmlType.Q8_1 => amax / 254 + 127 * Math.Abs((double)BitConverter.ToHalf(activation, 36 * b) - amax / 127) + 1e-6 * amax,
                    GgmlType.Q8_K => amax / 254 + 1e-6 * amax,
                    _ => 0,
                };
            }
        }
        return bound;
    }
}
