using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The activation buffers of a forward pass, allocated once per session for its largest batch.
/// Shapes are (tokens × features).
/// </summary>
public sealed class ForwardScratch : IDisposable
{
    /// <param name="feedForwardLength">Width of Gate/Up: ff, or k·expertFf for a mixture of experts.</param>
    /// <param name="experts">The mixture-of-experts shape, when the model has one.</param>
    /// <param name="fusedProjections">Whether the blocks have fused Q/K/V and gate/up projections,
    /// whose outputs need buffers of their own before they are split.</param>
    public ForwardScratch(IComputeBackend backend, int maxTokens, TransformerHyperParameters hp, int feedForwardLength,
        MixtureOfExpertsParameters? experts = null, bool fusedProjections = false)
    {
        MaxTokens = maxTokens;
        Residual = backend.AllocateBuffer(maxTokens, hp.EmbeddingLength);
        Normed = backend.AllocateBuffer(maxTokens, hp.EmbeddingLength);
        Query = backend.AllocateBuffer(maxTokens, hp.QueryDim);
        Key = backend.AllocateBuffer(maxTokens, hp.KvDim);
        Value = backend.AllocateBuffer(maxTokens, hp.KvDim);
        AttentionOut = backend.AllocateBuffer(maxTokens, hp.QueryDim);
        Projected = backend.AllocateBuffer(maxTokens, hp.EmbeddingLength);
        Gate = backend.AllocateBuffer(maxTokens, feedForwardLength);
        Up = backend.AllocateBuffer(maxTokens, feedForwardLength);
        Logits = backend.AllocateBuffer(maxTokens, hp.VocabSize);
        Experts = experts is null ? null : new ExpertScratch(backend, maxTokens, hp, experts);
        if (fusedProjections)
        {
            FusedQueryKeyValue = backend.AllocateBuffer(maxTokens, hp.QueryDim + 2 * hp.KvDim);
            FusedGateUp = backend.AllocateBuffer(maxTokens, 2 * feedForwardLength);
        }
    }

    public int MaxTokens { get; }
    public ComputeBuffer Residual { get; }     // (tokens, embd) the residual stream
    public ComputeBuffer Normed { get; }       // (tokens, embd) normalised input of a block, or its normalised output
    public ComputeBuffer Query { get; }        // (tokens, heads·headDim)
    public ComputeBuffer Key { get; }          // (tokens, kvHeads·headDim)
    public ComputeBuffer Value { get; }        // (tokens, kvHeads·headDim)
    public ComputeBuffer AttentionOut { get; } // (tokens, heads·headDim)
    public ComputeBuffer Projected { get; }    // (tokens, embd) output of attention or FFN projection
    public ComputeBuffer Gate { get; }         // (tokens, ff)
    public ComputeBuffer Up { get; }           // (tokens, ff)
    public ComputeBuffer Logits { get; }       // (tokens, vocab)
    public ExpertScratch? Experts { get; }     // mixture-of-experts buffers, or none for a dense model

    // A column view of one buffer would save the fused buffers and the copies out of them; it would
    // need strided buffers in every backend, and the copies are a small fraction of a matmul.
    public ComputeBuffer? FusedQueryKeyValue { get; } // (tokens, heads·headDim + 2·kvHeads·headDim): Q, then K, then V; or none
    public ComputeBuffer? FusedGateUp { get; }        // (tokens, 2·ff): gate, then up; or none

    public void Dispose()
    {
        foreach (var buffer in new[] { Residual, Normed, Query, Key, Value, AttentionOut, Projected, Gate, Up, Logits, FusedQueryKeyValue, FusedGateUp })
            (buffer as IDisposable)?.Dispose();
        Experts?.Dispose();
    }
}
