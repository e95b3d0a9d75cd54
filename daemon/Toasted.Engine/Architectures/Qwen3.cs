using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Qwen3 (dense): Llama's block with an RMS norm on each query and key head before the rotary
/// embedding, which acts on the two halves of each head (NeoX); the head dimension comes from
/// attention.key_length and need not be embd / heads. Small Qwen3 models tie the output projection.
/// </summary>
public sealed class Qwen3 : DenseDecoder
{
    public override string Name => "qwen3";

    protected override RopeMode RopeMode => RopeMode.NeoX;

    protected override AttentionWeights.Extras AttentionExtras => AttentionWeights.Extras.HeadNorms;
}
