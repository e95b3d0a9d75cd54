using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>One block's dense gated feed-forward tensors (blk.N.ffn_*). Shapes are (out, in).</summary>
public sealed record FeedForwardWeights(
    WeightTensor Norm,  // (embd)
    WeightTensor Gate,  // (ff, embd)
    WeightTensor Up,    // (ff, embd)
    WeightTensor Down)  // (embd, ff)
{
    public static FeedForwardWeights Bind(TensorBinder tensors, int layer, TransformerHyperParameters hp) => new(
        tensors.Bind($"blk.{layer}.ffn_norm.weight", hp.EmbeddingLength),
        tensors.Bind($"blk.{layer}.ffn_gate.weight", hp.EmbeddingLength, hp.FeedForwardLength),
        tensors.Bind($"blk.{layer}.ffn_up.weight", hp.EmbeddingLength, hp.FeedForwardLength),
        tensors.Bind($"blk.{layer}.ffn_down.weight", hp.FeedForwardLength, hp.EmbeddingLength));
}
