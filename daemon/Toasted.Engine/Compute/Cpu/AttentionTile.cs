using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// Causal attention of a block of query rows that share one KV head: a few consecutive tokens ×
/// the query heads grouped on that KV head. Computed per head, every key and value would be
/// converted from F16 and read once per query row; here each block of <see cref="PositionBlock"/>
/// cached positions is converted once and used by all the tile's rows, and the two products are
/// small matrix products (<see cref="IAttentionTileKernels"/>).
/// <para>
/// The numbers are those of <see cref="CausalAttention.Head"/>, ggml's non-flash path with an F16
/// cache: queries rounded to F16, float scores scaled after the dot, softmax over the row's
/// positions with a double sum, weights rounded to F16 and multiplied with the F16 values in float.
/// Only the order of the float sums differs. Positions a row must not see (later than its token,
/// or before its sliding window) get a score of −∞, hence a weight of exactly 0, so a row's result
/// does not depend on which other rows share its tile.
/// </para>
/// </summary>
internal readonly unsafe struct AttentionTile
{
    /// <summary>Cached positions converted to float at once: 64 keys or 64 values of every
    /// dimension, 16 KiB at head dimension 64, stay in the first-level cache while all the tile's
    /// rows use them.</summary>
    public const int PositionBlock = 64;

    /// <summary>Query rows are padded to a multiple of this, a 256-bit vector's float count. A decode tile of
    /// eight query heads then fills 256-bit vectors exactly instead of half of each 512-bit one.</summary>
    public const int RowAlignment = 8;

    private readonly float* _queries;
    private readonly float* _output;
    private readonly int _queryStride;
    private readonly int _outputStride;
    private readonly int _firstHead;
    private readonly int _group;
    private readonly int _tokens;
    private readonly int _firstPosition;
    private readonly Half* _keys;
    private readonly Half* _values;
    private readonly int _capacity;
    private readonly int _headDim;
    private readonly float _scale;
    private readonly int _slidingWindow;

    /// <param name="queries">The query row of the tile's first token; head h of a token starts at h·headDim.</param>
    /// <param name="output">The output row of the tile's first token, laid out as the queries.</param>
    /// <param name="queryStride">Floats from one token's query row to the next.</param>
    /// <param name="outputStride">Floats from one token's output row to the next.</param>
    /// <param name="firstHead">The first query head of the tile; <paramref name="group"/> heads follow.</param>
    /// <param name="firstPosition">The cache position of the tile's first token; the others follow.</param>
    /// <param name="keys">The KV head's keys, [capacity][headDim].</param>
    /// <param name="values">The KV head's values, [capacity][headDim].</param>
    /// <param name="slidingWindow">Positions a token sees, itself included; 0 for all before it.</param>
    public AttentionTile(float* queries, int queryStride, float* output, int outputStride, int firstHead, int group, int tokens, int firstPosition,
        Half* keys, Half* values, int capacity, int headDim, float scale, int slidingWindow)
    {
        _queries = queries;
        _output = output;
        _queryStride = queryStride;
        _outputStride = outputStride;
        _firstHead = firstHead;
        _group = group;
        _tokens = tokens;
        _firstPosition = firstPosition;
        _keys = keys;
        _values = values;
        _capacity = capacity;
        _headDim = headDim;
        _scale = scale;
        _slidingWindow = slidingWindow;
    }

    private int Rows => (_tokens * _group + RowAlignment - 1) / RowAlignment * RowAlignment;
    private int FirstKey(int position) => _slidingWindow > 0 ? Math.Max(0, position - _slidingWindow + 1) : 0;

    /// <summary>Runs with the widest vectors the hardware has enabled that the padded rows fill.</summary>
    public void Compute(AttentionScratch scratch)
    {
        if (Vector512.IsHardwareAccelerated && Rows % Vector512<float>.Count == 0) Compute<VectorAttentionTileKernels<FloatLanes512, Vector512<float>>>(scratch);
        else if (Vector256.IsHardwareAccelerated) Compute<VectorAttentionTileKernels<FloatLanes256, Vector256<float>>>(scratch);
        else if (Vector128.IsHardwareAccelerated) Compute<VectorAttentionTileKernels<FloatLanes128, Vector128<float>>>(scratch);
        else ComputeScalar(scratch);
    }

    public void ComputeScalar(AttentionScratch scratch) => Compute<ScalarAttentionTileKernels>(scratch);

    private void Compute<TKernels>(AttentionScratch scratch) where TKernels : struct, IAttentionTileKernels
    {
        var rows = Rows;
        var firstKey = FirstKey(_firstPosition);
        var positions = _firstPosition + _tokens - firstKey;
        var blockFloats = PositionBlock * _headDim;
        scratch.Reset(
            (long)AttentionScratch.RoundUp(_headDim * rows) * 2 +
            AttentionScratch.RoundUp(checked(positions * rows)) +
            AttentionScratch.RoundUp(blockFloats) +
            AttentionScratch.RoundUp(_group * _headDim) +
            AttentionScratch.RoundUp((_group * _headDim + 1) / 2));
        var queriesT = scratch.Take(_headDim * rows);
        var outputT = scratch.Take(_headDim * rows);
        var scores = scratch.Take(positions * rows);
        var block = scratch.Take(blockFloats);

        TransposeQueries(queriesT, rows, scratch.Take(_group * _headDim), scratch.Take((_group * _headDim + 1) / 2));

        // Scores, one block of keys at a time: keys are [position][headDim], so a block is one run.
        for (int start = 0; start < positions; start += PositionBlock)
        {
            var count = Math.Min(PositionBlock, positions - start);
            F16Kernels.Dequantize(
                new ReadOnlySpan<byte>(_keys + (long)(firstKey + start) * _headDim, count * _headDim * 2),
                new Span<float>(block, count * _headDim));
            TKernels.Scores(block, count, queriesT, rows, _headDim, _scale, scores + (long)start * rows);
        }

        Mask(scores, positions, rows, firstKey);
        TKernels.Softmax(scores, positions, rows);

        // Weighted sum, one block of values at a time: values are [position][headDim] as keys are, so a
        // block is one run, and the sum takes its element (d, p) at p·headDim + d.
        new Span<float>(outputT, _headDim * rows).Clear();
        for (int start = 0; start < positions; start += PositionBlock)
        {
            var count = Math.Min(PositionBlock, positions - start);
            F16Kernels.Dequantize(
                new ReadOnlySpan<byte>(_values + (long)(firstKey + start) * _headDim, count * _headDim * 2),
                new Span<float>(block, count * _headDim));
            TKernels.WeightedSum(block, 1, _headDim, count, scores + (long)start * rows, rows, _headDim, outputT);
        }

        ScatterOutput(outputT, rows);
    }

    /// <summary>queriesT[d·rows + r] = the F16 rounding of query row r (token r / group, head
    /// firstHead + r % group), element d; padding rows are zero.</summary>
    private void TransposeQueries(float* queriesT, int rows, float* rounded, float* halfBits)
    {
        new Span<float>(queriesT, _headDim * rows).Clear();
        var run = _group * _headDim;
        var halves = new Span<byte>(halfBits, run * 2);
        for (int t = 0; t < _tokens; t++)
        {
            // The token's heads of this tile are one run: rounded to F16 and back in two vector passes.
            F16Kernels.Quantize(new ReadOnlySpan<float>(_queries + (long)t * _queryStride + (long)_firstHead * _headDim, run), halves);
            F16Kernels.Dequantize(halves, new Span<float>(rounded, run));
            for (int g = 0; g < _group; g++)
            {
                var query = rounded + g * _headDim;
                var column = queriesT + t * _group + g;
                for (int d = 0; d < _headDim; d++)
                    column[(long)d * rows] = query[d];
            }
        }
    }

    /// <summary>−∞ for the positions a row must not see: after its token, and before its window.
    /// The tile covers the union of its rows' positions, which differ by at most the tile's tokens
    /// at either end.</summary>
    private void Mask(float* scores, int positions, int rows, int firstKey)
    {
        for (int t = 0; t < _tokens; t++)
        {
            var position = _firstPosition + t;
            var begin = FirstKey(position) - firstKey;
            var end = position + 1 - firstKey;
            for (int p = 0; p < begin; p++)
                new Span<float>(scores + (long)p * rows + t * _group, _group).Fill(float.NegativeInfinity);
            for (int p = end; p < positions; p++)
                new Span<float>(scores + (long)p * rows + t * _group, _group).Fill(float.NegativeInfinity);
        }
    }

    private void ScatterOutput(float* outputT, int rows)
    {
        for (int t = 0; t < _tokens; t++)
            for (int g = 0; g < _group; g++)
            {
                var output = _output + (long)t * _outputStride + (long)(_firstHead + g) * _headDim;
                var r = t * _group + g;
                for (int d = 0; d < _headDim; d++)
                    output[d] = outputT[(long)d * rows + r];
            }
    }
}
