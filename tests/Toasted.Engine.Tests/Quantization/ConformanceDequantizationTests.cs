using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Quantization;

/// <summary>
/// Independent truth for the decoders: the conformance models were made by llama-quantize from the F32
/// master, so dequantizing each of their tensors must give back the master tensor within the error the
/// format allows. Bounds, per element unless stated:
/// <list type="bullet">
/// <item>F16 / BF16: exactly the master rounded to nearest even.</item>
/// <item>Q8_0: the stored scale is f16(amax/127); q·d is within d/2 of x, plus 127·|f16(d) - d| for the stored scale.</item>
/// <item>Q4_0: the stored scale is f16(max/-8) (max = signed value of largest magnitude); the grid -8..7 covers
///   [-|d|·8, |d|·7], so the error is at most one step |d| (half a step inside, a full step where +8 clamps to 7),
///   plus 8·|f16(d) - d|.</item>
/// <item>Q6_K: each 16 elements get their own step ≈ amax16/32; with the 8-bit sub-scales the error stays below
///   one step of the coarsest group, amax256/32. Row RMS error: see <see cref="Q6_KRowRmsBound"/>.</item>
/// <item>Q4_K: each 32 elements get a step ≈ range32/15 and an offset; the error stays below one step of the widest
///   group, range256/15. Row RMS error: see <see cref="Q4_KRowRmsBound"/>.</item>
/// </list>
/// </summary>
[Category("Kernels")]
public class ConformanceDequantizationTests
{
    private const string Master = "conf-llama-F32.gguf";

    // Rounding to a grid of step s leaves an RMS error of s/√12. For weights spread evenly over [-a, a]
    // (row RMS a/√3) that is 1/(2·32) ≈ 1.6% of the row RMS for Q6_K (s ≈ a/32) and 1/15 ≈ 6.7% for Q4_K
    // (s ≈ 2a/15); quantizing the sub-block scales to 8 and 6 bits adds a little. The worst rows of these
    // models measure 2.16% (Q6_K) and 8.6% (Q4_K); a misread layout gives errors near 100%.
    private const double Q6_KRowRmsBound = 0.025;
    private const double Q4_KRowRmsBound = 0.095;

    [TestCase("conf-llama-F16.gguf")]
    [TestCase("conf-llama-BF16.gguf")]
    [TestCase("conf-llama-Q8_0.gguf")]
    [TestCase("conf-llama-Q4_0.gguf")]
    [TestCase("conf-llama-Q4_K.gguf")]
    [TestCase("conf-llama-Q6_K.gguf")]
    [TestCase("conf-llama-Q4_K_M.gguf")]
    public void Every_tensor_dequantizes_to_the_F32_master_within_its_format_bound(string modelFile)
    {
        var shipped = Path.Combine(SharedKit.Require("corpus/conformance/models"), modelFile);
        if (!File.Exists(shipped)) Assert.Ignore($"{modelFile} is not shipped in the kit (it needs llama-quantize to regenerate)");
        using var master = GgufFile.Open(ConformanceModels.PathOf(Master));
        using var model = GgufFile.Open(shipped);
        var worstRelativeRms = new Dictionary<GgmlType, double>();
        foreach (var info in model.Tensors)
        {
            var traits = QuantTraitsTable.Get(info.Type);
            var masterInfo = master.GetTensor(info.Name);
            Assert.That(masterInfo.Dimensions, Is.EqualTo(info.Dimensions), info.Name);
            var truth = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(master.GetTensorBytes(masterInfo)).ToArray();
            var bytes = model.GetTensorBytes(info);
            int rowLength = (int)info.RowLength;
            long rowBytes = traits.RowBytes(rowLength);
            var row = new float[rowLength];
            for (long r = 0; r < info.RowCount; r++)
            {
                var encoded = bytes.Slice((int)(r * rowBytes), (int)rowBytes);
                traits.Dequantize(encoded, row);
                var x = truth.AsSpan((int)(r * rowLength), rowLength);
                string where = $"{modelFile} {info.Name} ({info.Type}) row {r}";
                double relativeRms = CheckRow(info.Type, encoded, x, row, where);
                worstRelativeRms[info.Type] = Math.Max(worstRelativeRms.GetValueOrDefault(info.Type), relativeRms);
            }
        }
        foreach (var (type, rms) in worstRelativeRms)
            TestContext.Out.WriteLine($"{modelFile}: {type} worst row RMS error / row RMS = {rms:P3}");
    }

    private static double CheckRow(GgmlType type, ReadOnlySpan<byte> encoded, ReadOnlySpan<float> x, float[] y, string where)
    {
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < x.Length; i++) Exact(y[i], x[i], where, i);
                break;
            case GgmlType.F16:
                for (int i = 0; i < x.Length; i++) Exact(y[i], (float)(Half)x[i], where, i);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < x.Length; i++)
                    Exact(y[i], BitConverter.UInt32BitsToSingle((uint)ActivationQuantizerTests.NearestEvenBFloat16(x[i]) << 16), where, i);
                break;
            case GgmlType.Q8_0:
                CheckQ8_0(encoded, x, y, where);
                break;
            case GgmlType.Q4_0:
                CheckQ4_0(encoded, x, y, where);
                break;
            case GgmlType.Q6_K:
                CheckBlockMax(x, y, 256, amax: true, divisor: 32, where);
                return CheckRms(x, y, Q6_KRowRmsBound, where);
            case GgmlType.Q4_K:
                CheckBlockMax(x, y, 256, amax: false, divisor: 15, where);
                return CheckRms(x, y, Q4_KRowRmsBound, where);
            default:
                Assert.Fail($"{where}: no bound for {type}");
                break;
        }
        return Rms(x, y);
    }

    private static void Exact(float actual, float expected, string where, int i)
    {
        if (BitConverter.SingleToInt32Bits(actual) != BitConverter.SingleToInt32Bits(expected))
            Assert.Fail($"{where} element {i}: {actual:R}, expected {expected:R}");
    }

    private static void CheckQ8_0(ReadOnlySpan<byte> encoded, ReadOnlySpan<float> x, float[] y, string where)
    {
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[32 * b + j]));
            float d = amax / 127f;
            var stored = BitConverter.ToHalf(encoded[(34 * b)..]);
            Assert.That(stored, Is.EqualTo((Half)d), $"{where} block {b} scale");
            double bound = d / 2.0 + 127 * Math.Abs((double)stored - d) + 1e-6 * amax;
            for (int j = 0; j < 32; j++)
                Within(y[32 * b + j], x[32 * b + j], bound, where, 32 * b + j);
        }
    }

    private static void CheckQ4_0(ReadOnlySpan<byte> encoded, ReadOnlySpan<float> x, float[] y, string where)
    {
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++)
            {
                float v = x[32 * b + j];
                if (Math.Abs(v) > amax) { amax = Math.Abs(v); max = v; }
            }
            float d = max / -8f;
            var stored = BitConverter.ToHalf(encoded[(18 * b)..]);
            Assert.That(stored, Is.EqualTo((Half)d), $"{where} block {b} scale");
            double bound = Math.Abs(d) + 8 * Math.Abs((double)stored - d) + 1e-6 * amax;
            for (int j = 0; j < 32; j++)
                Within(y[32 * b + j], x[32 * b + j], bound, where, 32 * b + j);
        }
    }

    private static void CheckBlockMax(ReadOnlySpan<float> x, float[] y, int blockSize, bool amax, double divisor, string where)
    {
        for (int b = 0; b < x.Length / blockSize; b++)
        {
            float lo = float.MaxValue, hi = float.MinValue, absMax = 0;
            for (int j = 0; j < blockSize; j++)
            {
                float v = x[blockSize * b + j];
                lo = Math.Min(lo, v); hi = Math.Max(hi, v); absMax = Math.Max(absMax, Math.Abs(v));
            }
            // Q4_K's grid has an offset, so its spread is the block range; Q6_K's grid is symmetric around zero.
            double bound = (amax ? absMax : Math.Max(hi, 0) - Math.Min(lo, 0)) / divisor;
            for (int j = 0; j < blockSize; j++)
                Within(y[blockSize * b + j], x[blockSize * b + j], bound, where, blockSize * b + j);
        }
    }

    private static void Within(float actual, float expected, double bound, string where, int i)
    {
        double error = Math.Abs((double)actual - expected);
        if (!(error <= bound))
            Assert.Fail($"{where} element {i}: {actual:R} vs master {expected:R}, error {error:G4} > bound {bound:G4}");
    }

    private static double Rms(ReadOnlySpan<float> x, float[] y)
    {
        double err = 0, sig = 0;
        for (int i = 0; i < x.Length; i++) { err += Math.Pow(y[i] - x[i], 2); sig += (double)x[i] * x[i]; }
        return sig == 0 ? 0 : Math.Sqrt(err / sig);
    }

    private static double CheckRms(ReadOnlySpan<float> x, float[] y, double bound, string where)
    {
        double relative = Rms(x, y);
        Assert.That(relative, Is.LessThan(bound), $"{where}: RMS error / RMS");
        return relative;
    }
}
