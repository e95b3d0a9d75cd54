using System.Buffers;
using System.Runtime.InteropServices;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// One query head against the cached keys and values of its KV head, positions [first, end).
/// Mirrors ggml's non-flash path with an F16 cache, which is what llama.cpp's goldens were made
/// with: the query is rounded to F16 for the scores (KQ = K·q with F16 operands, float sums),
/// softmax runs in float with a double sum, and the weights are rounded to F16 for V·w, one F16 dot
/// over positions per output dimension (the cache stores values by position, so each dimension's
/// values are gathered first).
/// <para>
/// The forward pass runs <see cref="AttentionTile"/>, which computes the same numbers for many
/// query rows at once; this per-head form is the plain statement of them that the tiles are tested
/// against.
/// </para>
/// </summary>
internal static unsafe class CausalAttention
{
    private const int StackLimit = 2048;

    /// <param name="keys">This head's keys, [capacity][headDim].</param>
    /// <param name="values">This head's values, [capacity][headDim].</param>
    public static void Head(ReadOnlySpan<float> query, Half* keys, Half* values, int first, int end, int headDim, float scale, Span<float> output)
    {
        var count = end - first;
        Span<byte> queryHalves = stackalloc byte[headDim * 2];
        F16Kernels.Quantize(query, queryHalves);

        float[]? rentedScores = null;
        byte[]? rentedWeights = null;
        byte[]? rentedColumn = null;
        var scores = count <= StackLimit ? stackalloc float[count] : (rentedScores = ArrayPool<float>.Shared.Rent(count)).AsSpan(0, count);
        var weightHalves = count <= StackLimit ? stackalloc byte[count * 2] : (rentedWeights = ArrayPool<byte>.Shared.Rent(count * 2)).AsSpan(0, count * 2);
        var column = count <= StackLimit ? stackalloc byte[count * 2] : (rentedColumn = ArrayPool<byte>.Shared.Rent(count * 2)).AsSpan(0, count * 2);
        try
        {
            // Scores, scaled, and their maximum.
            var max = float.NegativeInfinity;
            var keyBytes = headDim * 2;
            for (int p = 0; p < count; p++)
            {
                var key = new ReadOnlySpan<byte>(keys + (long)(first + p) * headDim, keyBytes);
                var s = F16Kernels.Dot(key, queryHalves, headDim) * scale;
                scores[p] = s;
                if (s > max) max = s;
            }

            // Softmax in float with a double-precision sum, as ggml's soft_max does.
            double sum = 0;
            for (int p = 0; p < count; p++)
            {
                var e = MathF.Exp(scores[p] - max);
                scores[p] = e;
                sum += e;
            }
            RowKernels.Scale(scores, (float)(1.0 / sum));
            F16Kernels.Quantize(scores, weightHalves);

            // output[d] = V[first..end)[d] · w, one F16 dot per dimension.
            var columnHalves = MemoryMarshal.Cast<byte, Half>(column);
            for (int d = 0; d < headDim; d++)
            {
                for (int p = 0; p < count; p++) columnHalves[p] = values[(long)(first + p) * headDim + d];
                output[d] = F16Kernels.Dot(column, weightHalves, count);
            }
        }
        finally
        {
            if (rentedScores is not null) ArrayPool<float>.Shared.Return(rentedScores);
            if (rentedWeights is not null) ArrayPool<byte>.Shared.Return(rentedWeights);
            if (rentedColumn is not null) ArrayPool<byte>.Shared.Return(rentedColumn);
        }
    }
}
