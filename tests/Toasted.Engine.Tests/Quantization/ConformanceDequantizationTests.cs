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
/// <item>Q5_K: as Q4_K with 31 steps: below range256/31.</item>
/// <item>Q3_K: each 16 elements get a symmetric grid of 8 levels -4..3 with step ≈ amax16/4; the error stays below
///   one step of the coarsest group, amax256/4 (a full step where the top level 4 clamps to 3, as in Q4_0).</item>
/// <item>Q2_K: each 16 elements get 4 levels with an offset, step ≈ range16/3; the error stays below one step of
///   the widest group, range256/3 (the quantizer's scale search may clip outliers by more than half a step).</item>
/// <item>IQ4_XS: each 32 elements get the 16 non-uniform levels -127..113 times d ≈ amax32/127. The widest gap
///   between levels is 24 units (half of it 12/127 of amax) and the top level 113 leaves up to 14/127 uncovered;
///   with the scale search's slack the error stays below 16/127 ≈ amax256/8.</item>
/// <item>Q4_1 / Q5_1: d = (max − min)/15 (or /31) and m = min, both stored as f16; the codes round (x − min)/d to
///   nearest, so the error is at most d/2, plus 15·|f16(d) − d| (31· for Q5_1) and |f16(m) − m| for the stored fields.</item>
/// <item>Q5_0: as Q4_0 on the grid -16..15: d = f16(max/-16), error at most one step |d| plus 16·|f16(d) − d|.</item>
/// <item>IQ4_NL: d comes from a search, so it is read from the block. Inside the grid [-127·d, 113·d] a value is
///   at most half the widest gap between neighbouring levels (24/2 = 12 steps |d|) from its level; outside it the
///   distance to the grid's end is added. The code was chosen with the unrounded d, which is within half an f16 ulp
///   (2⁻¹¹ relative) of the stored one, moving a level by up to 127·2⁻¹¹·|d|. Row RMS error: see
///   <see cref="IQ4_NLRowRmsBound"/>.</item>
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
    // IQ4_NL's 15 gaps over [-127, 113]·d average 16 steps, as a uniform 4-bit grid (6.7% like Q4_K), but they
    // widen to 24 at the ends where the block's largest weights fall, so up to ~1.5× that; the worst row of
    // the model measures 8.9%.
    private const double IQ4_NLRowRmsBound = 0.11;

    // The same estimate (RMS error = step/√12, relative to a/√3, i.e. step/2a) for the other super-block types:
    // Q5_K step 2a/31 → 3.2%; Q3_K step a/4 → 12.5%; Q2_K step 2a/3 → 33%; IQ4_XS, whose 16 levels are on average
    // 16/127 of amax apart → 6.3%. Sub-scale rounding and clipping add to that; the worst rows of these models
    // measure 4.41% (Q5_K), 18.5% (Q3_K), 36.1% (Q2_K) and 8.96% (IQ4_XS). The bounds keep about 10% headroom.
    private const double Q5_KRowRmsBound = 0.05;
    private const double Q3_KRowRmsBound = 0.21;
    private const double Q2_KRowRmsBound = 0.40;
    private const double IQ4_XSRowRmsBound = 0.10;

    [TestCase("conf-llama-F16.gguf")]
    [TestCase("conf-llama-BF16.gguf")]
    [TestCase("conf-llama-Q8_0.gguf")]
    [TestCase("conf-llama-Q4_0.gguf")]
    [TestCase("conf-llama-Q4_K.gguf")]
    [TestCase("conf-llama-Q6_K.gguf")]
    [TestCase("conf-llama-Q4_K_M.gguf")]
    [TestCase("conf-llama-Q2_K.gguf")]
    [TestCase("conf-llama-Q3_K.gguf")]
    [TestCase("conf-llama-Q5_K.gguf")]
    [TestCase("conf-llama-IQ4_XS.gguf")]
    [TestCase("conf-llama-Q4_1.gguf")]
    [TestCase("conf-llama-Q5_0.gguf")]
    [TestCase("conf-llama-Q5_1.gguf")]
    [TestCase("conf-llama-IQ4_NL.gguf")]
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
            case GgmlType.Q5_K:
                CheckBlockMax(x, y, 256, amax: false, divisor: 31, where);
                return CheckRms(x, y, Q5_KRowRmsBound, where);
            case GgmlType.Q3_K:
                CheckBlockMax(x, y, 256, amax: true, divisor: 4, where);
                return CheckRms(x, y, Q3_KRowRmsBound, where);
            case GgmlType.Q2_K:
                CheckBlockMax(x, y, 256, amax: false, divisor: 3, where);
                return CheckRms(x, y, Q2_KRowRmsBound, where);
            case GgmlType.IQ4_XS:
                CheckBlockMax(x, y, 256, amax: true, divisor: 8, where);
                return CheckRms(x, y, IQ4_XSRowRmsBound, where);
            case GgmlType.Q4_1:
                CheckWithMin(encoded, x, y, levels: 15, blockBytes: 20, where);
                break;
            case GgmlType.Q5_1:
                CheckWithMin(encoded, x, y, levels: 31, blockBytes: 24, where);
                break;
            case GgmlType.Q5_0:
                CheckQ5_0(encoded, x, y, where);
                break;
            case GgmlType.IQ4_NL:
                CheckIQ4_NL(encoded, x, y, where);
                return CheckRms(x, y, IQ4_NLRowRmsBound, where);
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

    private static void CheckWithMin(ReadOnlySpan<byte> encoded, ReadOnlySpan<float> x, float[] y, int levels, int blockBytes, string where)
    {
        for (int b = 0; b < x.Length / 32; b++)
        {
            float min = float.MaxValue, max = float.MinValue;
            for (int j = 0; j < 32; j++) { min = Math.Min(min, x[32 * b + j]); max = Math.Max(max, x[32 * b + j]); }
            float d = (max - min) / levels;
            var storedD = BitConverter.ToHalf(encoded[(blockBytes * b)..]);
            var storedM = BitConverter.ToHalf(encoded[(blockBytes * b + 2)..]);
            Assert.That(storedD, Is.EqualTo((Half)d), $"{where} block {b} scale");
            Assert.That(storedM, Is.EqualTo((Half)min), $"{where} block {b} minimum");
            double bound = d / 2.0 + levels * Math.Abs((double)storedD - d) + Math.Abs((double)storedM - min) + 1e-6 * (Math.Abs(min) + Math.Abs(max));
            for (int j = 0; j < 32; j++)
                Within(y[32 * b + j], x[32 * b + j], bound, where, 32 * b + j);
        }
    }

    private static void CheckQ5_0(ReadOnlySpan<byte> encoded, ReadOnlySpan<float> x, float[] y, string where)
    {
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++)
            {
                float v = x[32 * b + j];
                if (Math.Abs(v) > amax) { amax = Math.Abs(v); max = v; }
            }
            float d = max / -16f;
            var stored = BitConverter.ToHalf(encoded[(22 * b)..]);
            Assert.That(stored, Is.EqualTo((Half)d), $"{where} block {b} scale");
            double bound = Math.Abs(d) + 16 * Math.Abs((double)stored - d) + 1e-6 * amax;
            for (int j = 0; j < 32; j++)
                Within(y[32 * b + j], x[32 * b + j], bound, where, 32 * b + j);
        }
    }

    private static void CheckIQ4_NL(ReadOnlySpan<byte> encoded, ReadOnlySpan<float> x, float[] y, string where)
    {
        for (int b = 0; b < x.Length / 32; b++)
        {
            double d = (double)BitConverter.ToHalf(encoded[(18 * b)..]);
            double gridLow = Math.Min(-127 * d, 113 * d), gridHigh = Math.Max(-127 * d, 113 * d);
            for (int j = 0; j < 32; j++)
            {
                double v = x[32 * b + j];
                double outside = Math.Max(0, Math.Max(v - gridHigh, gridLow - v));
                double bound = 12 * Math.Abs(d) + outside + 127 * Math.Abs(d) * Math.Pow(2, -11) + 1e-6 * Math.Abs(v);
                Within(y[32 * b + j], x[32 * b + j], bound, where, 32 * b + j);
            }
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
