using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// One block's self-attention tensors (blk.N.attn_*). Shapes are (out, in). Biases (Qwen2) and
/// per-head Q/K norms (Qwen3) are present only in the architectures that have them.
/// </summary>
public sealed record AttentionWeights(
    WeightTensor Norm,              // (embd)
    WeightTensor Query,             // (heads·headDim, embd)
    WeightTensor Key,               // (kvHeads·headDim, embd)
    WeightTensor Value,             // (kvHeads·headDim, embd)
    WeightTensor Output,            // (embd, heads·headDim)
    WeightTensor? QueryBias,        // (heads·headDim) or absent
    WeightTensor? KeyBias,          // (kvHeads·headDim) or absent
    WeightTensor? ValueBias,        // (kvHeads·headDim) or absent
    WeightTensor? QueryNorm,        // (headDim) or absent
    WeightTensor? KeyNorm)          // (headDim) or absent
{
    /// <summary>What a block carries beyond the four Llama projections.</summary>
    [Flags]
    public enum Extras
    {
        None = 0,
        /// <summary><c>attn_{q,k,v}.bias</c>, added after the projections.</summary>
        ProjectionBiases = 1,
        /// <summary><c>attn_{q,k}_norm</c>, RMS norm of each head before RoPE.</summary>
        HeadNorms = 2,
    }

    public static AttentionWeights Bind(TensorBinder tensors, int layer, TransformerHyperParameters hp, Extras extras)
    {
        string Name(string tensor) => $"blk.{layer}.{tensor}";
        var biases = extras.HasFlag(Extras.ProjectionBiases);
        var headNorms = extras.HasFlag(Extras.HeadNorms);
        return new AttentionWeights(
            tensors.Bind(Name("attn_norm.weight"), hp.EmbeddingLength),
            tensors.Bind(Name("attn_q.weight"), hp.EmbeddingLength, hp.QueryDim),
            tensors.Bind(Name("attn_k.weight"), hp.EmbeddingLength, hp.KvDim),
            tensors.Bind(Name("attn_v.weight"), hp.EmbeddingLength, hp.KvDim),
            tensors.Bind(Name("attn_output.weight"), hp.QueryDim, hp.EmbeddingLength),
            biases ? tensors.Bind(Name("attn_q.bias"), hp.QueryDim) : null,
            biases ? tensors.Bind(Name("attn_k.bias"), hp.KvDim) : null,
            biases ? tensors.Bind(Name("attn_v.bias"), hp.KvDim) : null,
            headNorms ? tensors.Bind(Name("attn_q_norm.weight"), hp.HeadDim) : null,
            headNorms ? tensors.Bind(Name("attn_k_norm.weight"), hp.HeadDim) : null);
    }
}
