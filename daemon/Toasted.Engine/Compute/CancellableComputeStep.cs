namespace Toasted.Engine.Compute;

/// <summary>
/// Wraps a step and throws <see cref="OperationCanceledException"/> before each op once the token is
/// cancelled, so a prefill batch stops between matmuls rather than at its end; the backend is told
/// too (<see cref="IComputeStep.AbandonOn"/>), for the ops that are long on their own. Only prefill
/// uses it: a decode step is short, and the check would be pure overhead there.
/// </summary>
public sealed class CancellableComputeStep : IComputeStep
{
    private readonly IComputeStep _inner;
    private readonly CancellationToken _cancellationToken;

    public CancellableComputeStep(IComputeStep inner, CancellationToken cancellationToken)
    {
        _inner = inner;
        _cancellationToken = cancellationToken;
        inner.AbandonOn(cancellationToken);
    }

    public void GetRows(WeightTensor embeddings, ReadOnlySpan<int> tokens, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.GetRows(embeddings, tokens, destination);
    }

    public void RmsNorm(ComputeBuffer source, WeightTensor weight, float epsilon, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.RmsNorm(source, weight, epsilon, destination);
    }

    public void RmsNormHeads(ComputeBuffer buffer, int heads, int headDim, WeightTensor weight, float epsilon)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.RmsNormHeads(buffer, heads, headDim, weight, epsilon);
    }

    public void MatMul(WeightTensor weight, ComputeBuffer source, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.MatMul(weight, source, destination);
    }

    public void MatMuls(ComputeBuffer source, params ReadOnlySpan<(WeightTensor Weight, ComputeBuffer Destination)> products)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.MatMuls(source, products);
    }

    public void AddBias(ComputeBuffer destination, WeightTensor bias)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.AddBias(destination, bias);
    }

    public void Add(ComputeBuffer destination, ComputeBuffer source)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.Add(destination, source);
    }

    public void Scale(ComputeBuffer destination, float factor)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.Scale(destination, factor);
    }

    public void Rope(ComputeBuffer buffer, int heads, int headDim, int firstPosition, RopeParameters rope)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.Rope(buffer, heads, headDim, firstPosition, rope);
    }

    public void StoreKv(KvCacheStorage cache, int layer, ComputeBuffer keys, ComputeBuffer values, int firstPosition)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.StoreKv(cache, layer, keys, values, firstPosition);
    }

    public void Attention(KvCacheStorage cache, int layer, ComputeBuffer queries, int firstPosition, AttentionParameters attention, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.Attention(cache, layer, queries, firstPosition, attention, destination);
        // Attention may have stopped part way through: its output must not flow into the next op.
        _cancellationToken.ThrowIfCancellationRequested();
    }

    public void SwiGlu(ComputeBuffer gate, ComputeBuffer up)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.SwiGlu(gate, up);
    }

    public void GeGlu(ComputeBuffer gate, ComputeBuffer up)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.GeGlu(gate, up);
    }

    public void CopyColumns(ComputeBuffer source, int firstColumn, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.CopyColumns(source, firstColumn, destination);
    }

    public void SoftCap(ComputeBuffer values, float cap)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.SoftCap(values, cap);
    }

    public void Submit()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.Submit();
        _cancellationToken.ThrowIfCancellationRequested();
    }

    public void SelectExperts(ComputeBuffer routerLogits, bool normaliseWeights, ComputeBuffer expertIds, ComputeBuffer expertWeights)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.SelectExperts(routerLogits, normaliseWeights, expertIds, expertWeights);
    }

    public void MatMulExperts(WeightTensor experts, ComputeBuffer source, ComputeBuffer expertIds, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.MatMulExperts(experts, source, expertIds, destination);
    }

    public void WeightedSumExperts(ComputeBuffer expertOutputs, ComputeBuffer expertWeights, ComputeBuffer destination)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _inner.WeightedSumExperts(expertOutputs, expertWeights, destination);
    }

    public void AbandonOn(CancellationToken cancellationToken) => _inner.AbandonOn(cancellationToken);

    public void Dispose() => _inner.Dispose();
}
