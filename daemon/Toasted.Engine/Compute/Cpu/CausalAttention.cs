namespace Toasted.Engine.Compute.Cpu;

/// <summary>
/// One query head against the cached keys and values of its KV head, positions [first, end).
/// Mirrors ggml's non-flash path with an F16 cache: the query is rounded to F16 for the scores,
/// softmax runs in float with a double sum, and the weights are rounded to F16 for the sum over V.
/// </summary>
internal static unsafe class CausalAttention
{
    public static void Head(ReadOnlySpan<float> query, Half* keys, Half* values, int first, int end, int headDim, float scale, Span<float> output)
    {
        Span<float> q = stackalloc float[headDim];
        for (int d = 0; d < headDim; d++) q[d] = HalfConversion.RoundThroughHalf(query[d]);

        var count = end - first;
        var scores = count <= 4096 ? stackalloc float[count] : new float[count];
        var max = float.NegativeInfinity;
        for (int p = 0; p < count; p++)
        {
            var k = keys + (long)(first + p) * headDim;
            float s = 0;
            for (int d = 0; d < headDim; d++) s += q[d] * (float)k[d];
            s *= scale;
            scores[p] = s;
            if (s > max) max = s;
        }
        double sum = 0;
        for (int p = 0; p < count; p++)
        {
            var e = MathF.Exp(scores[p] - max);
            scores[p] = e;
            sum += e;
        }
        var inverse = (float)(1.0 / sum);
        output.Clear();
        for (int p = 0; p < count; p++)
        {
            var w = HalfConversion.RoundThroughHalf(scores[p] * inverse);
            var v = values + (long)(first + p) * headDim;
            for (int d = 0; d < headDim; d++) output[d] += w * (float)v[d];
        }
    }
}
