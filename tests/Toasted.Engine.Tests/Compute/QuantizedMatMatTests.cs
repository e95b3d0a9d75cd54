using System.Runtime.InteropServices;
using NUnit.Framework;
using Toasted.Engine.Compute.Cpu;
using Toasted.Engine.Quantization;
using Toasted.Engine.Tests.Quantization;

namespace Toasted.Engine.Tests.Compute;

/// <summary>
/// The prefill matrix kernel: packed panels against their scalar packing, each panel micro-kernel
/// against its scalar twin to the bit, and <see cref="QuantizedMatMat.Tile"/> against
/// <see cref="QuantTraits.DotScalar"/> per (row, token) within the float rounding of a reordered sum.
/// Row and token counts deliberately miss the 8-row panels and 8-token tiles. Run under every
/// instruction-set switch by <c>make test-isa</c>.
/// </summary>
[Category("Kernels")]
public unsafe class QuantizedMatMatTests
{
    private static readonly GgmlType[] Block32Types = [GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.IQ4_NL, GgmlType.Q5_0, GgmlType.Q4_1, GgmlType.Q5_1];
    private static readonly GgmlType[] PanelTypes = [.. Block32Types, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS];
    // Types without a panel: Tile falls back to per-row dots for them.
    private static readonly GgmlType[] AllTypes = [.. PanelTypes, GgmlType.F32, GgmlType.F16, GgmlType.BF16];
    private static readonly RandomRows.Pattern[] Patterns = [RandomRows.Pattern.Random, RandomRows.Pattern.AllMinimum, RandomRows.Pattern.AllMaximum];

    private static IEnumerable<TestCaseData> Cases(GgmlType[] types) =>
        from type in types
        from pattern in Patterns
        select new TestCaseData(type, pattern).SetArgDisplayNames(type.ToString(), pattern.ToString());

    private static IEnumerable<TestCaseData> PanelCases() => Cases(PanelTypes);
    private static IEnumerable<TestCaseData> AllCases() => Cases(AllTypes);

    private sealed class Operands
    {
        public required byte[] Weights;
        public required long RowBytes;
        public required byte[] Activations;
        public required int ActivationRowBytes;
    }

    /// <summary>
    /// Random weight rows of the pattern and activation rows of several kinds. <paramref name="constantRows"/> adds rows
    /// of one positive value, whose quants are all 127: with the largest codes (AllMaximum) they push the kernels'
    /// 16-bit pair sums to their bounds, which random signs never approach. The kernel twins take them; the
    /// comparison with DotScalar does not, since with every product of one sign the K formats' min terms cancel
    /// most of the sum and its tolerance, scaled by Σ|w·a|, no longer covers their rounding.
    /// </summary>
    private static Operands Make(GgmlType type, RandomRows.Pattern pattern, int rows, int blocks, int tokens, Random rng, bool constantRows = false)
    {
        var traits = QuantTraitsTable.Get(type);
        int n = blocks * traits.BlockSize;
        var weights = new List<byte>();
        for (int r = 0; r < rows; r++) weights.AddRange(RandomRows.WeightRow(type, blocks, rng, pattern));
        int activationRowBytes = ActivationQuantizer.RowBytes(traits.ActivationType, n);
        var activations = new byte[activationRowBytes * tokens];
        for (int t = 0; t < tokens; t++)
        {
            // Saturating rows reach the largest activation quants, zero rows the empty blocks.
            var x = (t % 5) switch
            {
                1 => RandomRows.Saturating(rng, n),
                3 => new float[n],
                4 when constantRows => Enumerable.Repeat(3.5f, n).ToArray(),
                _ => RandomRows.Gaussian(rng, n),
            };
            ActivationQuantizer.Quantize(traits.ActivationType, x, activations.AsSpan(t * activationRowBytes, activationRowBytes));
        }
        return new Operands { Weights = [.. weights], RowBytes = traits.RowBytes(n), Activations = activations, ActivationRowBytes = activationRowBytes };
    }

    [TestCaseSource(nameof(PanelCases))]
    public void Packed_panel_equals_its_scalar_packing(GgmlType type, RandomRows.Pattern pattern)
    {
        var rng = new Random(11 + (int)type * 7 + (int)pattern);
        int blockSize = QuantTraitsTable.Get(type).BlockSize;
        foreach (int rows in new[] { 1, 5, 8 })
        foreach (int blocks in new[] { 1, 3, 8 })
        {
            var operands = Make(type, pattern, rows, blocks, 1, rng);
            var vector = Pack(type, operands, rows, blocks, vectorized: true);
            var scalar = Pack(type, operands, rows, blocks, vectorized: false);
            Assert.That(vector, Is.EqualTo(scalar), $"{type} {rows} rows × {blocks} blocks of {blockSize}");
        }
    }

    [TestCaseSource(nameof(PanelCases))]
    public void Panel_micro_kernel_equals_scalar_twin_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        if (!QuantizedMatMat.HasPanelKernel(type)) Assert.Ignore($"no {type} panel kernel on this instruction set");
        var rng = new Random(23 + (int)type * 7 + (int)pattern);
        foreach (int rows in new[] { 1, 3, 8 })
        foreach (int blocks in new[] { 1, 2, 9 })
        foreach (int tokens in new[] { 1, 7, 8, 9, 17 })
        {
            var operands = Make(type, pattern, rows, blocks, tokens, rng, constantRows: true);
            var panel = Pack(type, operands, rows, blocks, vectorized: true);
            var vector = RunKernel(type, panel, blocks, operands, tokens, rows, scalar: false);
            var scalar = RunKernel(type, panel, blocks, operands, tokens, rows, scalar: true);
            for (int i = 0; i < vector.Length; i++)
                Assert.That(BitConverter.SingleToInt32Bits(vector[i]), Is.EqualTo(BitConverter.SingleToInt32Bits(scalar[i])),
                    $"{type} {pattern}, {rows} rows × {blocks} blocks × {tokens} tokens, output {i}: {vector[i]} vs scalar {scalar[i]}");
        }
    }

    private static IEnumerable<TestCaseData> Block32Cases() => Cases(Block32Types);

    [TestCaseSource(nameof(Block32Cases))]
    public void Panel_pair_kernel_equals_the_scalar_twin_of_each_panel_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        if (!QuantizedMatMat.HasPanelKernel(type)) Assert.Ignore($"no {type} panel kernel on this instruction set");
        var rng = new Random(29 + (int)type * 7 + (int)pattern);
        const int stride = 2 * WeightPanel.Rows;
        foreach (var (rows, secondRows) in new[] { (8, 8), (8, 3), (8, 1), (5, 0), (8, 0) })
        foreach (int blocks in new[] { 1, 5 })
        foreach (int tokens in new[] { 1, 3, 4, 5, 8, 13 })
        {
            var operands = Make(type, pattern, rows + secondRows, blocks, tokens, rng, constantRows: true);
            var first = Pack(type, operands, rows, blocks, vectorized: true);
            // With no second panel the kernel is given the first again and stores nothing for it.
            var second = secondRows > 0 ? Pack(type, operands, secondRows, blocks, vectorized: true, firstRow: rows) : first;
            var tiles = Tiles(type, operands, tokens, blocks);
            // NaN marks outputs the kernel must leave alone: padding tokens and rows past each panel.
            var vector = Enumerable.Repeat(float.NaN, tokens * stride).ToArray();
            var scalar = Enumerable.Repeat(float.NaN, tokens * stride).ToArray();
            fixed (byte* p = first)
            fixed (byte* p2 = second)
            fixed (byte* a = tiles)
            fixed (float* y = vector)
            fixed (float* z = scalar)
            {
                Block32PanelKernel.Run(type, p, p2, blocks, a, tokens, y, stride, rows, secondRows);
                Block32PanelKernel.RunScalar(type, p, blocks, a, tokens, z, stride, rows);
                if (secondRows > 0) Block32PanelKernel.RunScalar(type, p2, blocks, a, tokens, z + WeightPanel.Rows, stride, secondRows);
            }
            for (int i = 0; i < vector.Length; i++)
                Assert.That(BitConverter.SingleToInt32Bits(vector[i]), Is.EqualTo(BitConverter.SingleToInt32Bits(scalar[i])),
                    $"{type} {pattern}, {rows} + {secondRows} rows × {blocks} blocks × {tokens} tokens, token {i / stride} column {i % stride}: {vector[i]} vs scalar {scalar[i]}");
        }
    }

    [TestCaseSource(nameof(PanelCases))]
    public void A_batch_split_over_threads_equals_one_tile_call_bit_for_bit(GgmlType type, RandomRows.Pattern pattern)
    {
        // The pool builds the batch's tiles once, a share per thread, and runs row ranges (or token ranges, for few
        // rows) on them; every product must be the one Tile computes alone, which the test below checks against
        // the scalar dot. Token counts miss the 8-token tiles, row counts the 16-row panel pairs.
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(41 + (int)type * 7 + (int)pattern);
        int blocks = traits.BlockSize == 32 ? 8 : 2;
        int n = blocks * traits.BlockSize;
        foreach (int rows in new[] { 24, 200 })
        foreach (int tokens in new[] { 9, 37 })
        {
            var operands = Make(type, pattern, rows, blocks, tokens, rng);
            using var input = new CpuBuffer(tokens, n);
            for (int t = 0; t < tokens; t++)
                (t % 2 == 0 ? RandomRows.Gaussian(rng, n) : RandomRows.Saturating(rng, n)).CopyTo(input.Row(t));
            var activations = new byte[operands.ActivationRowBytes * tokens];
            for (int t = 0; t < tokens; t++)
                ActivationQuantizer.Quantize(traits.ActivationType, input.Row(t), activations.AsSpan(t * operands.ActivationRowBytes, operands.ActivationRowBytes));
            var alone = new float[tokens * rows];
            fixed (byte* weights = operands.Weights)
            fixed (float* expected = alone)
            {
                var weight = new CpuWeightTensor("w", type, n, rows, weights, operands.RowBytes);
                QuantizedMatMat.Tile(weight, activations, operands.ActivationRowBytes, tokens, 0, rows, expected, rows);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    using var pool = new WorkerPool(threads);
                    using var matMat = new ParallelMatMat(pool);
                    using var output = new CpuBuffer(tokens, rows);
                    matMat.Run(weight, input, output);
                    Assert.That(output.All.ToArray(), Is.EqualTo(alone), $"{type} {pattern}, {rows} rows × {tokens} tokens, {threads} threads");
                }
            }
        }
    }

    [TestCaseSource(nameof(AllCases))]
    public void Tile_agrees_with_the_scalar_dot_of_every_row_and_token(GgmlType type, RandomRows.Pattern pattern)
    {
        var traits = QuantTraitsTable.Get(type);
        var rng = new Random(37 + (int)type * 7 + (int)pattern);
        int[] blockCounts = traits.BlockSize == 1 ? [64, 96] : traits.BlockSize == 32 ? [3, 16] : [1, 3];
        foreach (int rows in new[] { 1, 13, 21 })
        foreach (int blocks in blockCounts)
        foreach (int tokens in new[] { 2, 5, 18 })
        {
            int n = blocks * traits.BlockSize;
            var operands = Make(type, pattern, rows, blocks, tokens, rng);
            int stride = rows + 3;
            var output = new float[tokens * stride];
            // A row range that starts inside the weight checks the row offsets as well.
            int firstRow = rows > 8 ? 2 : 0;
            fixed (byte* weights = operands.Weights)
            fixed (float* destination = output)
            {
                var weight = new CpuWeightTensor("w", type, n, rows, weights, operands.RowBytes);
                QuantizedMatMat.Tile(weight, operands.Activations, operands.ActivationRowBytes, tokens, firstRow, rows, destination, stride);
                var decoded = new float[n];
                for (int r = firstRow; r < rows; r++)
                {
                    var row = weight.Row(r);
                    traits.DequantizeScalar(row, decoded);
                    for (int t = 0; t < tokens; t++)
                    {
                        var activation = operands.Activations.AsSpan(t * operands.ActivationRowBytes, operands.ActivationRowBytes);
                        float expected = traits.DotScalar(row, activation, n);
                        if (!float.IsFinite(expected)) continue;
                        // Both sums add the same per-block products in different orders and roundings:
                        // each product and each partial sum rounds once, so the drift is bounded by
                        // a few units of 2^-24 per block times the sum of magnitudes.
                        double magnitude = 0;
                        var a = DecodeActivation(traits.ActivationType, activation, n);
                        for (int i = 0; i < n; i++) magnitude += Math.Abs((double)decoded[i] * a[i]);
                        int terms = traits.BlockSize == 1 ? n : 2 * blocks;
                        double tolerance = (terms + 4) * Math.Pow(2, -23) * magnitude + 1e-30;
                        float actual = output[t * stride + r];
                        Assert.That(Math.Abs((double)actual - expected), Is.LessThanOrEqualTo(tolerance),
                            $"{type} {pattern}, row {r} of {rows}, token {t} of {tokens}, {blocks} blocks: {actual} vs DotScalar {expected}");
                    }
                }
                for (int t = 0; t < tokens; t++)
                    for (int r = 0; r < stride; r++)
                        if (r < firstRow || r >= rows)
                            Assert.That(output[t * stride + r], Is.EqualTo(0f), "Tile wrote outside its rows");
            }
        }
    }

    private static float[] DecodeActivation(GgmlType type, ReadOnlySpan<byte> activation, int n)
    {
        var y = new float[n];
        if (type == GgmlType.Q8_1)
        {
            // f16 d, f16 s, then the quants as Q8_0's; s only feeds the weight offsets.
            for (int b = 0; b < n / 32; b++)
            {
                float d = (float)BitConverter.ToHalf(activation[(36 * b)..]);
                for (int j = 0; j < 32; j++) y[32 * b + j] = d * (sbyte)activation[36 * b + 4 + j];
            }
        }
        else if (type == GgmlType.Q8_K)
        {
            for (int b = 0; b < n / 256; b++)
            {
                float d = BitConverter.ToSingle(activation[(292 * b)..]);
                for (int j = 0; j < 256; j++) y[256 * b + j] = d * (sbyte)activation[292 * b + 4 + j];
            }
        }
        else
        {
            // F32, F16, BF16 and Q8_0 activations are stored exactly like weights of that type.
            QuantTraitsTable.Get(type).DequantizeScalar(activation, y);
        }
        return y;
    }

    private static byte[] Pack(GgmlType type, Operands operands, int rows, int blocks, bool vectorized, int firstRow = 0)
    {
        int n = blocks * QuantTraitsTable.Get(type).BlockSize;
        var panel = new byte[blocks * WeightPanel.BlockBytes(type)];
        var staging = new byte[WeightPanel.StagingBytes(n)];
        fixed (byte* weights = operands.Weights)
        fixed (byte* p = panel)
        fixed (byte* s = staging)
            WeightPanel.Pack(type, weights + firstRow * operands.RowBytes, operands.RowBytes, rows, 0, blocks, s, p, vectorized);
        return panel;
    }

    /// <summary>The tokens' activations laid out by <see cref="ActivationTiles"/> for the type's panel kernel.</summary>
    private static byte[] Tiles(GgmlType type, Operands operands, int tokens, int blocks)
    {
        var activationType = QuantTraitsTable.Get(type).ActivationType;
        var tiles = new byte[ActivationTiles.Bytes(activationType, tokens, blocks)];
        fixed (byte* a = operands.Activations)
        fixed (byte* s = tiles)
        {
            int rowBytes = operands.ActivationRowBytes;
            if (activationType == GgmlType.Q8_0) ActivationTiles.BuildQ8_0(a, rowBytes, tokens, blocks, type == GgmlType.Q4_0 ? 8 : 128, s);
            else if (activationType == GgmlType.Q8_1) ActivationTiles.BuildQ8_1(a, rowBytes, tokens, blocks, s);
            else ActivationTiles.BuildQ8_K(a, rowBytes, tokens, blocks, s);
        }
        return tiles;
    }

    private static float[] RunKernel(GgmlType type, byte[] panel, int blocks, Operands operands, int tokens, int rows, bool scalar)
    {
        var output = new float[tokens * WeightPanel.Rows];
        var tiles = Tiles(type, operands, tokens, blocks);
        fixed (byte* p = panel)
        fixed (byte* s = tiles)
        fixed (float* y = output)
        {
            switch (type)
            {
                case GgmlType.Q4_0:
                case GgmlType.Q8_0:
                case GgmlType.IQ4_NL:
                case GgmlType.Q5_0:
                case GgmlType.Q4_1:
                case GgmlType.Q5_1:
                    if (scalar) Block32PanelKernel.RunScalar(type, p, blocks, s, tokens, y, WeightPanel.Rows, rows);
                    else Block32PanelKernel.Run(type, p, p, blocks, s, tokens, y, WeightPanel.Rows, rows, 0);
                    break;
                case GgmlType.Q4_K:
                case GgmlType.Q5_K:
                case GgmlType.IQ4_XS:
                    if (scalar) SubBlockScalePanelKernel.RunScalar(type, p, blocks, s, tokens, y, WeightPanel.Rows, rows);
                    else SubBlockScalePanelKernel.Run(type, p, blocks, s, tokens, y, WeightPanel.Rows, rows);
                    break;
                case GgmlType.Q2_K:
                case GgmlType.Q3_K:
                case GgmlType.Q6_K:
                    if (scalar) GroupScalePanelKernel.RunScalar(type, p, blocks, s, tokens, y, WeightPanel.Rows, rows);
                    else GroupScalePanelKernel.Run(type, p, blocks, s, tokens, y, WeightPanel.Rows, rows);
                    break;
            }
        }
        return output;
    }
}
