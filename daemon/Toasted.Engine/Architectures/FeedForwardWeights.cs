using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// One block's dense gated feed-forward tensors (blk.N.ffn_*, post_ffw_norm). Shapes are (out, in).
/// Gate and up come either as two projections or as one fused projection (Phi-3); the norm of the
/// block's output (Gemma 3) is present only in the architectures that have it.
/// </summary>
public sealed record FeedForwardWeights(
    WeightTensor Norm,         // (embd)
    WeightTensor? Gate,        // (ff, embd), or absent when fused
    WeightTensor? Up,          // (ff, embd), or absent when fused
    WeightTensor? GateUp,      // (2·ff, embd): rows of the gate, then of up; or absent
    WeightTensor Down,         // (embd, ff)
    WeightTensor? OutputNorm)  // (embd) RMS norm of the down projection before the residual add, or absent
{
    /// <summary>What a block carries beyond Llama's gate, up and down projections.</summary>
    [Flags]
    public enum Extras
    {
        None = 0,
        /// <summary><c>ffn_up</c> holds the gate's rows, then up's (Phi-3); there is no <c>ffn_gate</c>.</summary>
        FusedGateUp = 1,
        /// <summary><c>post_ffw_norm</c>, RMS norm of the down projection before the residual add.</summary>
        OutputNorm = 2,
    }

    public static FeedForwardWeights Bind(TensorBinder tensors, int layer, TransformerHyperParameters hp, Extras extras)
    {
        string Name(string tensor) => $"blk.{layer}.{tensor}";
        var embd = hp.EmbeddingLength;
        var ff = hp.FeedForwardLength;
        var fused = extras.HasFlag(Extras.FusedGateUp);
        return new FeedForwardWeights(
            Norm: tensors.Bind(Name("ffn_norm.weight"), embd),
            Gate: fused ? null : tensors.Bind(Name("ffn_gate.weight"), embd, ff),
            Up: fused ? null : tensors.Bind(Name("ffn_up.weight"), embd, ff),
            GateUp: fused ? tensors.Bind(Name("ffn_up.weight"), embd, 2 * ff) : null,
            Down: tensors.Bind(Name("ffn_down.weight"), ff, embd),
            OutputNorm: extras.HasFlag(Extras.OutputNorm) ? tensors.Bind(Name("post_ffw_norm.weight"), embd) : null);
    }
}
