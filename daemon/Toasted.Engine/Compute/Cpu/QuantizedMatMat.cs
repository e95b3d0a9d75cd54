using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Weight rows × many tokens (prefill) as a register-tiled integer GEMM. Eight weight rows at a time are
/// repacked into a <see cref="WeightPanel"/> (codes decoded once, lane = row), then a micro-kernel sweeps
/// the tokens eight at a time (<see cref="ActivationTiles"/>) with the float accumulators in registers for the whole row length. Tokens
/// are taken in chunks whose activations fit the core's L2, so every panel of the range streams them from
/// L2 rather than L3; each chunk repacks the panels, which costs a few percent of the multiply-adds.
/// Types without a panel kernel (F32, F16, BF16), and Q8_0 on cores without VNNI, use the per-row dot.
/// </summary>
internal static unsafe class QuantizedMatMat
{
    /// <summary>Activation bytes of one token chunk: well inside a 1–2 MB L2 with the panel beside it.</summary>
    private const int ChunkActivationBytes = 512 * 1024;

    [ThreadStatic] private static byte* _scratch;
    [ThreadStatic] private static long _scratchBytes;

    public static bool HasPanelKernel(GgmlType type) =>
        PanelInt8.IsSupported && WeightPanel.IsSupported(type) && (type != GgmlType.Q8_0 || PanelInt8.IsWideCodeSupported);

    /// <summary>
    /// destination[t · destinationStride + r] = row r of <paramref name="weight"/> · activation t, for rows
    /// <paramref name="firstRow"/> .. <paramref name="endRow"/> − 1 and tokens 0 .. <paramref name="tokens"/> − 1;
    /// <paramref name="activations"/> holds the tokens' rows in the weight's activation type, each
    /// <paramref name="activationRowBytes"/> long.
    /// </summary>
    internal static void Tile(CpuWeightTensor weight, ReadOnlySpan<byte> activations, int activationRowBytes, int tokens,
        int firstRow, int endRow, float* destination, int destinationStride)
    {
        var traits = weight.Traits;
        int n = weight.RowLength;
        if (activationRowBytes < ActivationQuantizer.RowBytes(traits.ActivationType, n) || (long)tokens * activationRowBytes > activations.Length)
            throw new ArgumentException($"{tokens} activation rows of {activationRowBytes} bytes do not hold {traits.ActivationType} rows of {n} elements");
        if (firstRow < 0 || endRow > weight.Rows || firstRow > endRow)
            throw new ArgumentOutOfRangeException(nameof(endRow), $"rows [{firstRow}, {endRow}) outside 0..{weight.Rows}");
        if (tokens <= 0 || firstRow == endRow) return;
        if (!HasPanelKernel(traits.Type))
        {
            RowDots(weight, activations, activationRowBytes, tokens, firstRow, endRow, destination, destinationStride);
            return;
        }

        var type = traits.Type;
        int blocks = n / traits.BlockSize;
        // Whole tiles of eight tokens per chunk, so only the last chunk carries padding tokens.
        int chunk = Math.Min(tokens, Math.Max(16, ChunkActivationBytes / activationRowBytes / ActivationTiles.Tokens * ActivationTiles.Tokens));
        long panelBytes = (long)blocks * WeightPanel.BlockBytes(type);
        long stagingBytes = WeightPanel.StagingBytes(n);
        long tilesBytes = ActivationTiles.Bytes(traits.ActivationType, chunk, blocks);
        byte* panel = Scratch(panelBytes + stagingBytes + tilesBytes);
        byte* staging = panel + panelBytes;
        byte* tiles = staging + stagingBytes;
        // Unsigned codes carry Q4_0's bias of 8 and Q8_0's shift by 128; the tiles' block sums remove them.
        int codeOffset = type == GgmlType.Q4_0 ? 8 : 128;

        fixed (byte* activationBase = activations)
        {
            for (int t0 = 0; t0 < tokens; t0 += chunk)
            {
                int chunkTokens = Math.Min(chunk, tokens - t0);
                byte* chunkActivations = activationBase + (long)t0 * activationRowBytes;
                if (traits.ActivationType == GgmlType.Q8_0)
                    ActivationTiles.BuildQ8_0(chunkActivations, activationRowBytes, chunkTokens, blocks, codeOffset, tiles);
                else
                    ActivationTiles.BuildQ8_K(chunkActivations, activationRowBytes, chunkTokens, blocks, tiles);
                for (int r0 = firstRow; r0 < endRow; r0 += WeightPanel.Rows)
                {
                    int rows = Math.Min(WeightPanel.Rows, endRow - r0);
                    WeightPanel.Pack(type, weight.Data + r0 * weight.RowBytes, weight.RowBytes, rows, 0, blocks, staging, panel, vectorized: true);
                    float* output = destination + (long)t0 * destinationStride + r0;
                    switch (type)
                    {
                        case GgmlType.Q4_0:
                        case GgmlType.Q8_0:
                            Block32PanelKernel.Run(panel, blocks, tiles, chunkTokens, output, destinationStride, rows);
                            break;
                        case GgmlType.Q4_K:
                            Q4_KPanelKernel.Run(panel, blocks, tiles, chunkTokens, output, destinationStride, rows);
                            break;
                        case GgmlType.Q6_K:
                            Q6_KPanelKernel.Run(panel, blocks, tiles, chunkTokens, output, destinationStride, rows);
                            break;
                    }
                }
            }
        }
    }

    private static void RowDots(CpuWeightTensor weight, ReadOnlySpan<byte> activations, int activationRowBytes, int tokens,
        int firstRow, int endRow, float* destination, int destinationStride)
    {
        var dot = weight.Traits.Dot;
        int n = weight.RowLength;
        for (int r = firstRow; r < endRow; r++)
        {
            var row = weight.Row(r);
            for (int t = 0; t < tokens; t++)
                destination[(long)t * destinationStride + r] = dot(row, activations.Slice(t * activationRowBytes, activationRowBytes), n);
        }
    }

    /// <summary>A per-thread 64-byte-aligned buffer, grown on demand and kept for the thread's life.</summary>
    private static byte* Scratch(long bytes)
    {
        if (_scratchBytes < bytes)
        {
            if (_scratch != null) NativeMemory.AlignedFree(_scratch);
            _scratch = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            _scratchBytes = bytes;
        }
        return _scratch;
    }
}
