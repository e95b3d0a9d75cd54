using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Llama (also Mistral and Llama 3.x, which GGUF files label "llama"): pre-norm decoder blocks with
/// RMSNorm, rotary embeddings on adjacent pairs (with Llama 3.1's per-pair frequency factors when the
/// file has <c>rope_freqs</c>), grouped-query attention and a SwiGLU feed-forward; the output
/// projection is its own tensor or tied to the token embeddings.
/// </summary>
public sealed class Llama : DenseDecoder
{
    public override string Name => "llama";

    protected override RopeMode RopeMode => RopeMode.Normal;

    protected override AttentionWeights.Extras AttentionExtras => AttentionWeights.Extras.None;
}
