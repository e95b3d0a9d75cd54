using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// The activation buffers of a forward pass, allocated once per session for its largest batch.
/// Shapes are (tokens × features). An architecture that needs more buffers derives from it.
/// </summary>
public class ForwardScratch : IDisposable
{
    /// <param name="feedForwardLength">Width of Gate/Up: ff, or k·expertFf for a mixture of experts.</param>
    /// <param name="experts">The mixture-of-experts shape, when the model has one.</param>
    public ForwardScratch(IComputeBackend backend, int maxTokens, TransformerHyperParameters hp, int feedForwardLength,
        MixtureOfExpertsParameters? experts = null)
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
    }

    public int MaxTokens { get; }
    public ComputeBuffer Residual { get; }     // (tokens, embd) the residual stream
    public ComputeBuffer Normed { get; }       // (tokens, embd) normalised input of a block
    public ComputeBuffer Query { get; }        // (tokens, heads·headDim)
    public ComputeBuffer Key { get; }          // (tokens, kvHeads·headDim)
    public ComputeBuffer Value { get; }        // (tokens, kvHeads·headDim)
    public ComputeBuffer AttentionOut { get; } // (tokens, heads·headDim)
    public ComputeBuffer Projected { get; }    // (tokens, embd) output of attention or FFN projection
    public ComputeBuffer Gate { get; }         // (tokens, ff)
    public ComputeBuffer Up { get; }           // (tokens, ff)
    public ComputeBuffer Logits { get; }       // (tokens, vocab)
    public ExpertScratch? Experts { get; }     // mixture-of-experts buffers, or none for a dense model

    public virtual void Dispose()
    {
        foreach (var buffer in new[] { Residual, Normed, Query, Key, Value, AttentionOut, Projected, Gate, Up, Logits })
            (buffer as IDisposable)?.Dispose();
        Experts?.Dispose();
    }
}
