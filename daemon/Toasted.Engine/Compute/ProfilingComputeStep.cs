using System.Diagnostics;

namespace Toasted.Engine.Compute;

/// <summary>Wraps a step and adds the wall time of each op to an <see cref="OperationProfile"/>;
/// matrix products are keyed by weight type, so Q4_K and Q6_K layers of a mixed file show apart.</summary>
public sealed class ProfilingComputeStep(IComputeStep inner, OperationProfile profile) : IComputeStep
{
    private void Time(string operation, long start) => profile.Add(operation, Stopwatch.GetTimestamp() - start);

    public void GetRows(WeightTensor embeddings, ReadOnlySpan<int> tokens, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.GetRows(embeddings, tokens, destination);
        Time("get_rows", start);
    }

    public void RmsNorm(ComputeBuffer source, WeightTensor weight, float epsilon, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.RmsNorm(source, weight, epsilon, destination);
        Time("rms_norm", start);
    }

    public void RmsNormHeads(ComputeBuffer buffer, int heads, int headDim, WeightTensor weight, float epsilon)
    {
        var start = Stopwatch.GetTimestamp();
        inner.RmsNormHeads(buffer, heads, headDim, weight, epsilon);
        Time("rms_norm", start);
    }

    public void MatMul(WeightTensor weight, ComputeBuffer source, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.MatMul(weight, source, destination);
        Time($"matmul {weight.Type}", start);
    }

    /// <summary>Timed as one op; the time is shared among the products' weight types by their element counts,
    /// so a mixed file's types still show apart.</summary>
    public void MatMuls(ComputeBuffer source, params ReadOnlySpan<(WeightTensor Weight, ComputeBuffer Destination)> products)
    {
        var start = Stopwatch.GetTimestamp();
        inner.MatMuls(source, products);
        var ticks = Stopwatch.GetTimestamp() - start;
        long elements = 0;
        foreach (var (weight, _) in products) elements += (long)weight.Rows * weight.RowLength;
        foreach (var (weight, _) in products)
            profile.Add($"matmul {weight.Type}", elements == 0 ? 0 : ticks * ((long)weight.Rows * weight.RowLength) / elements);
    }

    public void AddBias(ComputeBuffer destination, WeightTensor bias)
    {
        var start = Stopwatch.GetTimestamp();
        inner.AddBias(destination, bias);
        Time("add_bias", start);
    }

    public void Add(ComputeBuffer destination, ComputeBuffer source)
    {
        var start = Stopwatch.GetTimestamp();
        inner.Add(destination, source);
        Time("add", start);
    }

    public void Scale(ComputeBuffer destination, float factor)
    {
        var start = Stopwatch.GetTimestamp();
        inner.Scale(destination, factor);
        Time("scale", start);
    }

    public void Rope(ComputeBuffer buffer, int heads, int headDim, int firstPosition, RopeParameters rope)
    {
        var start = Stopwatch.GetTimestamp();
        inner.Rope(buffer, heads, headDim, firstPosition, rope);
        Time("rope", start);
    }

    public void StoreKv(KvCacheStorage cache, int layer, ComputeBuffer keys, ComputeBuffer values, int firstPosition)
    {
        var start = Stopwatch.GetTimestamp();
        inner.StoreKv(cache, layer, keys, values, firstPosition);
        Time("store_kv", start);
    }

    public void Attention(KvCacheStorage cache, int layer, ComputeBuffer queries, int firstPosition, AttentionParameters attention, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.Attention(cache, layer, queries, firstPosition, attention, destination);
        Time("attention", start);
    }

    public void SwiGlu(ComputeBuffer gate, ComputeBuffer up)
    {
        var start = Stopwatch.GetTimestamp();
        inner.SwiGlu(gate, up);
        Time("swiglu", start);
    }

    public void GeGlu(ComputeBuffer gate, ComputeBuffer up)
    {
        var start = Stopwatch.GetTimestamp();
        inner.GeGlu(gate, up);
        Time("geglu", start);
    }

    public void CopyColumns(ComputeBuffer source, int firstColumn, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.CopyColumns(source, firstColumn, destination);
        Time("copy_columns", start);
    }

    public void SoftCap(ComputeBuffer values, float cap)
    {
        var start = Stopwatch.GetTimestamp();
        inner.SoftCap(values, cap);
        Time("soft_cap", start);
    }

    public void Submit()
    {
        var start = Stopwatch.GetTimestamp();
        inner.Submit();
        Time("submit", start);
    }

    public void SelectExperts(ComputeBuffer routerLogits, bool normaliseWeights, ComputeBuffer expertIds, ComputeBuffer expertWeights)
    {
        var start = Stopwatch.GetTimestamp();
        inner.SelectExperts(routerLogits, normaliseWeights, expertIds, expertWeights);
        Time("select_experts", start);
    }

    public void MatMulExperts(WeightTensor experts, ComputeBuffer source, ComputeBuffer expertIds, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.MatMulExperts(experts, source, expertIds, destination);
        Time($"matmul_experts {experts.Type}", start);
    }

    public void WeightedSumExperts(ComputeBuffer expertOutputs, ComputeBuffer expertWeights, ComputeBuffer destination)
    {
        var start = Stopwatch.GetTimestamp();
        inner.WeightedSumExperts(expertOutputs, expertWeights, destination);
        Time("weighted_sum_experts", start);
    }

    public void AbandonOn(CancellationToken cancellationToken) => inner.AbandonOn(cancellationToken);

    public void Dispose() => inner.Dispose();
}
