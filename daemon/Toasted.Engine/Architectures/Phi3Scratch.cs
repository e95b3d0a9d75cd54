using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>The activation buffers of a Phi-3 forward pass: the common ones, plus the outputs of its
/// two fused projections before they are split.</summary>
public sealed class Phi3Scratch : ForwardScratch
{
    public Phi3Scratch(IComputeBackend backend, int maxTokens, TransformerHyperParameters hp)
        : base(backend, maxTokens, hp, hp.FeedForwardLength)
    {
        FusedQkv = backend.AllocateBuffer(maxTokens, hp.QueryDim + 2 * hp.KvDim);
        FusedGateUp = backend.AllocateBuffer(maxTokens, 2 * hp.FeedForwardLength);
    }

    public ComputeBuffer FusedQkv { get; }    // (tokens, heads·headDim + 2·kvHeads·headDim): Q, then K, then V
    public ComputeBuffer FusedGateUp { get; } // (tokens, 2·ff): gate, then up

    public override void Dispose()
    {
        (FusedQkv as IDisposable)?.Dispose();
        (FusedGateUp as IDisposable)?.Dispose();
        base.Dispose();
    }
}
