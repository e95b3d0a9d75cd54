namespace Toasted.Engine.Compute;

/// <summary>
/// The ops of one forward pass, recorded in order and executed no later than <see cref="Submit"/>.
/// All buffers are (tokens × features); every op works on all rows of its destination.
/// </summary>
public interface IComputeStep : IDisposable
{
    /// <summary>destination[t] = embeddings row tokens[t], as float32.</summary>
    void GetRows(WeightTensor embeddings, ReadOnlySpan<int> tokens, ComputeBuffer destination);

    /// <summary>destination = source / sqrt(mean(source²) + epsilon) ⊙ weight, per row.</summary>
    void RmsNorm(ComputeBuffer source, WeightTensor weight, float epsilon, ComputeBuffer destination);

    /// <summary>Each head of each row, in place: head / sqrt(mean(head²) + epsilon) ⊙ weight, with
    /// <paramref name="weight"/> of length <paramref name="headDim"/> (Qwen3 and Gemma 3 Q/K norms).</summary>
    void RmsNormHeads(ComputeBuffer buffer, int heads, int headDim, WeightTensor weight, float epsilon);

    /// <summary>destination[t] = W · source[t] for W of shape (destination.Columns, source.Columns).</summary>
    void MatMul(WeightTensor weight, ComputeBuffer source, ComputeBuffer destination);

    /// <summary>destination[t] += bias.</summary>
    void AddBias(ComputeBuffer destination, WeightTensor bias);

    /// <summary>
    /// Each product's destination = its weight · source, as <see cref="MatMul"/> does one at a time: the
    /// projections that read one input (Q, K and V; gate and up). A backend may convert the input once
    /// and spread all the products over its threads as one piece of work.
    /// </summary>
    void MatMuls(ComputeBuffer source, params ReadOnlySpan<(WeightTensor Weight, ComputeBuffer Destination)> products)
    {
        foreach (var (weight, destination) in products) MatMul(weight, source, destination);
    }

    /// <summary>destination += source, element-wise.</summary>
    void Add(ComputeBuffer destination, ComputeBuffer source);

    /// <summary>destination *= factor, element-wise.</summary>
    void Scale(ComputeBuffer destination, float factor);

    /// <summary>Rotates each head of each row by its position firstPosition + t.</summary>
    void Rope(ComputeBuffer buffer, int heads, int headDim, int firstPosition, RopeParameters rope);

    /// <summary>Writes rows of keys and values into the cache at positions firstPosition + t.</summary>
    void StoreKv(KvCacheStorage cache, int layer, ComputeBuffer keys, ComputeBuffer values, int firstPosition);

    /// <summary>destination[t] = softmax(q[t]·K[0..p]ᵀ · scale) · V[0..p] per head, p = firstPosition + t.</summary>
    void Attention(KvCacheStorage cache, int layer, ComputeBuffer queries, int firstPosition, AttentionParameters attention, ComputeBuffer destination);

    /// <summary>gate = silu(gate) ⊙ up.</summary>
    void SwiGlu(ComputeBuffer gate, ComputeBuffer up);

    /// <summary>gate = gelu(gate) ⊙ up, with GELU's tanh approximation (Gemma's GeGLU feed-forward).</summary>
    void GeGlu(ComputeBuffer gate, ComputeBuffer up);

    /// <summary>destination[t] = source[t][firstColumn .. firstColumn + destination.Columns): splits the
    /// output of a fused projection (Phi-3's QKV and gate+up) into its parts.</summary>
    void CopyColumns(ComputeBuffer source, int firstColumn, ComputeBuffer destination);

    /// <summary>values = tanh(values / cap) · cap, element-wise (final-logit soft-capping).</summary>
    void SoftCap(ComputeBuffer values, float cap);

    /// <summary>Executes (or commits) everything recorded. Buffers may be read afterwards.</summary>
    void Submit();

    /// <summary>
    /// Lets long ops of this step stop early once <paramref name="cancellationToken"/> is cancelled, so
    /// that a closed connection does not wait for a whole prefill batch. An op cut short leaves its
    /// destination undefined: the caller must throw the step's results away. The token applies until
    /// the step is disposed; backends that cannot stop an op ignore it.
    /// </summary>
    void AbandonOn(CancellationToken cancellationToken)
    {
    }

    // Mixture of experts. Expert choices travel in ComputeBuffers as float ids (exact for any expert
    // count below 2^24), so the choice never leaves the backend between the router and the experts.

    /// <summary>
    /// Per row: p = softmax(routerLogits[t]) over the experts; expertIds[t] = the indices of the
    /// expertIds.Columns largest p, largest first; expertWeights[t] = those p, divided by their sum when
    /// <paramref name="normaliseWeights"/>.
    /// </summary>
    void SelectExperts(ComputeBuffer routerLogits, bool normaliseWeights, ComputeBuffer expertIds, ComputeBuffer expertWeights);

    /// <summary>
    /// Matmul by each row's chosen experts. <paramref name="experts"/> is a 3-D tensor whose expert e is the
    /// contiguous slab of rows [e·R, (e+1)·R), R = destination.Columns / k with k = expertIds.Columns:
    /// destination[t, j·R…(j+1)·R) = slab(expertIds[t, j]) · input, where the input is source[t] when
    /// source.Columns equals the expert row length, or its j-th slice when source holds one input per choice.
    /// Only the chosen experts' rows are read.
    /// </summary>
    void MatMulExperts(WeightTensor experts, ComputeBuffer source, ComputeBuffer expertIds, ComputeBuffer destination);

    /// <summary>destination[t] = Σⱼ expertWeights[t, j] · expertOutputs[t, j·C…(j+1)·C), C = destination.Columns, j in order.</summary>
    void WeightedSumExperts(ComputeBuffer expertOutputs, ComputeBuffer expertWeights, ComputeBuffer destination);
}
