using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Weight rows × many tokens (prefill) as a register-tiled integer GEMM. Eight weight rows at a time are
/// repacked into a <see cref="WeightPanel"/> (codes decoded once, lane = row), then a micro-kernel sweeps
/// the tokens (<see cref="ActivationTiles"/>) with the float accumulators in registers for the whole row
/// length; panels of 32-element blocks go two at a time. Each panel is packed once per call: the tiles of all the
/// call's tokens (up to <see cref="ChunkActivationBytes"/>) are built first and every panel streams them.
/// Packing once matters more than keeping the tiles in L2: with chunks of L2 size, a 5632-wide
/// feed-forward matrix was repacked six times per 512 tokens, which cost a third of its time.
/// Types without a panel kernel (F32, F16, BF16), and every type on cores without AVX2, use the per-row dot.
/// </summary>
internal static unsafe class QuantizedMatMat
{
    /// <summary>
    /// Activation bytes of one token chunk: a 512-token batch of 5632-wide rows (3.4 MB as tiles) is one
    /// chunk, and the tiles stay a small share of a shared L3.
    /// </summary>
    private const int ChunkActivationBytes = 8 << 20;

    /// <summary>Row ranges given to threads are whole multiples of this, so that panel pairs stay whole.</summary>
    public const int RowGranularity = 2 * WeightPanel.Rows;

    [ThreadStatic] private static byte* _scratch;
    [ThreadStatic] private static long _scratchBytes;

    public static bool HasPanelKernel(GgmlType type) =>
        PanelInt8.IsSupported && WeightPanel.IsSupported(type);

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
        long panelBytes = PanelScratchBytes(weight);
        long tilesBytes = ActivationTiles.Bytes(traits.ActivationType, chunk, blocks);
        byte* tiles = Scratch(panelBytes + tilesBytes) + panelBytes;

        fixed (byte* activationBase = activations)
        {
            for (int t0 = 0; t0 < tokens; t0 += chunk)
            {
                int chunkTokens = Math.Min(chunk, tokens - t0);
                BuildTiles(type, activationBase + (long)t0 * activationRowBytes, activationRowBytes, chunkTokens, blocks, tiles);
                Panels(weight, tiles, chunkTokens, firstRow, endRow, destination + (long)t0 * destinationStride, destinationStride);
            }
        }
    }

    /// <summary>Whether a call of <paramref name="tokens"/> activation rows of <paramref name="activationRowBytes"/> fits one
    /// chunk of tiles, so that the tiles can be built once for all threads (<see cref="ParallelMatMat"/>).</summary>
    internal static bool FitsOneChunk(int tokens, int activationRowBytes) => (long)tokens * activationRowBytes <= ChunkActivationBytes;

    /// <summary>
    /// The tiles of <paramref name="tokens"/> activation rows (in the weight type's activation format) for the panel
    /// kernels of <paramref name="weightType"/>. Tokens 8k … 8k + 7 make tile k, and a tile depends on its own
    /// tokens only, so a range of whole tiles can be built on its own into its place.
    /// </summary>
    internal static void BuildTiles(GgmlType weightType, byte* activations, int activationRowBytes, int tokens, int blocks, byte* tiles)
    {
        // Unsigned codes carry Q4_0's bias of 8 and the signed codes' shift by 128; the tiles' block sums remove them.
        // Q4_1's and Q5_1's codes carry no shift (their offset is the float m), and their tiles keep Q8_1's sums s instead.
        if (WeightPanel.HasMin(weightType))
            ActivationTiles.BuildQ8_1(activations, activationRowBytes, tokens, blocks, tiles);
        else if (WeightPanel.IsBlock32(weightType))
            ActivationTiles.BuildQ8_0(activations, activationRowBytes, tokens, blocks, weightType == GgmlType.Q4_0 ? 8 : 128, tiles);
        else
            ActivationTiles.BuildQ8_K(activations, activationRowBytes, tokens, blocks, tiles);
    }

    /// <summary>
    /// Rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) × the <paramref name="tokens"/> tokens of
    /// <paramref name="tiles"/> into destination[t · destinationStride + r]: each row panel packed once, then swept over
    /// every tile. The weight must have a panel kernel (<see cref="HasPanelKernel"/>).
    /// </summary>
    internal static void Panels(CpuWeightTensor weight, byte* tiles, int tokens, int firstRow, int endRow, float* destination, int destinationStride)
    {
        var type = weight.Type;
        int n = weight.RowLength;
        int blocks = n / weight.Traits.BlockSize;
        long panelBytes = (long)blocks * WeightPanel.BlockBytes(type);
        // The scratch holds the tiles too when Tile built them; Scratch only grows, so they stay in place.
        byte* panel = Scratch(PanelScratchBytes(weight));
        byte* staging = panel + 2 * panelBytes;
        if (WeightPanel.IsBlock32(type))
        {
            for (int r0 = firstRow; r0 < endRow; r0 += 2 * WeightPanel.Rows)
            {
                int rows = Math.Min(WeightPanel.Rows, endRow - r0);
                int secondRows = Math.Clamp(endRow - r0 - WeightPanel.Rows, 0, WeightPanel.Rows);
                byte* second = secondRows > 0 ? panel + panelBytes : panel;
                WeightPanel.Pack(type, weight.Data + r0 * weight.RowBytes, weight.RowBytes, rows, 0, blocks, staging, panel, vectorized: true);
                if (secondRows > 0)
                    WeightPanel.Pack(type, weight.Data + (r0 + WeightPanel.Rows) * weight.RowBytes, weight.RowBytes, secondRows, 0, blocks, staging, second, vectorized: true);
                Block32PanelKernel.Run(type, panel, second, blocks, tiles, tokens, destination + r0, destinationStride, rows, secondRows);
            }
            return;
        }
        for (int r0 = firstRow; r0 < endRow; r0 += WeightPanel.Rows)
        {
            int rows = Math.Min(WeightPanel.Rows, endRow - r0);
            WeightPanel.Pack(type, weight.Data + r0 * weight.RowBytes, weight.RowBytes, rows, 0, blocks, staging, panel, vectorized: true);
            float* output = destination + r0;
            if (type is GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.IQ4_XS) SubBlockScalePanelKernel.Run(type, panel, blocks, tiles, tokens, output, destinationStride, rows);
            else GroupScalePanelKernel.Run(type, panel, blocks, tiles, tokens, output, destinationStride, rows);
        }
    }

    /// <summary>Two panels and the staging area of a panel pack, at the head of the thread's scratch.</summary>
    private static long PanelScratchBytes(CpuWeightTensor weight)
    {
        int blocks = weight.RowLength / weight.Traits.BlockSize;
        return 2L * blocks * WeightPanel.BlockBytes(weight.Type) + WeightPanel.StagingBytes(weight.RowLength);
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
