using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// Qwen2 (Qwen 1.5, 2, 2.5): Llama's block with biases on the Q/K/V projections, rotary embeddings
/// on the two halves of each head (NeoX), and usually an output projection tied to the embeddings.
/// </summary>
public sealed class Qwen2 : DenseDecoder
{
    public override string Name => "qwen2";

    protected override RopeMode RopeMode => RopeMode.NeoX;

    protected override AttentionWeights.Extras AttentionExtras => AttentionWeights.Extras.ProjectionBiases;
}
