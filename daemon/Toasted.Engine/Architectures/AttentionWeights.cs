using Toasted.Engine.Compute;

namespace Toasted.Engine.Architectures;

/// <summary>
/// One block's self-attention tensors (blk.N.attn_*, post_attention_norm). Shapes are (out, in).
/// Q, K and V come either as three projections or as one fused projection (Phi-3); biases (Qwen2),
/// per-head Q/K norms (Qwen3, Gemma 3) and the norm of the block's output (Gemma 3) are present only
/// in the architectures that have them.
/// </summary>
public sealed record AttentionWeights(
    WeightTensor Norm,              // (embd)
    WeightTensor? Query,            // (heads·headDim, embd), or absent when fused
    WeightTensor? Key,              // (kvHeads·headDim, embd), or absent when fused
    WeightTensor? Value,            // (kvHeads·headDim, embd), or absent when fused
    WeightTensor? QueryKeyValue,    // (heads·headDim + 2·kvHeads·headDim, embd): rows of Q, then K, then V; or absent
    WeightTensor Output,            // (embd, heads·headDim)
    WeightTensor? QueryBias,        // (heads·headDim) or absent
    WeightTensor? KeyBias,          // (kvHeads·headDim) or absent
    WeightTensor? ValueBias,        // (kvHeads·headDim) or absent
    WeightTensor? QueryNorm,        // (headDim), shared by every query head, or absent
    WeightTensor? KeyNorm,          // (headDim), shared by every key head, or absent
    WeightTensor? OutputNorm)       // (embd) RMS norm of the block's output before the residual add, or absent
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
        /// <summary><c>attn_qkv</c> in place of <c>attn_{q,k,v}</c>: one matmul, split by columns.</summary>
        FusedQueryKeyValue = 4,
        /// <summary><c>post_attention_norm</c>, RMS norm of the output projection before the residual add.</summary>
        OutputNorm = 8,
    }

    public static AttentionWeights Bind(TensorBinder tensors, int layer, TransformerHyperParameters hp, Extras extras)
    {
        string Name(string tensor) => $"blk.{layer}.{tensor}";
        var biases = extras.HasFlag(Extras.ProjectionBiases);
        var headNorms = extras.HasFlag(Extras.HeadNorms);
        var fused = extras.HasFlag(Extras.FusedQueryKeyValue);
        return new AttentionWeights(
            Norm: tensors.Bind(Name("attn_norm.weight"), hp.EmbeddingLength),
            Query: fused ? null : tensors.Bind(Name("attn_q.weight"), hp.EmbeddingLength, hp.QueryDim),
            Key: fused ? null : tensors.Bind(Name("attn_k.weight"), hp.EmbeddingLength, hp.KvDim),
            Value: fused ? null : tensors.Bind(Name("attn_v.weight"), hp.EmbeddingLength, hp.KvDim),
            QueryKeyValue: fused ? tensors.Bind(Name("attn_qkv.weight"), hp.EmbeddingLength, hp.QueryDim + 2 * hp.KvDim) : null,
            Output: tensors.Bind(Name("attn_output.weight"), hp.QueryDim, hp.EmbeddingLength),
            QueryBias: biases ? tensors.Bind(Name("attn_q.bias"), hp.QueryDim) : null,
            KeyBias: biases ? tensors.Bind(Name("attn_k.bias"), hp.KvDim) : null,
            ValueBias: biases ? tensors.Bind(Name("attn_v.bias"), hp.KvDim) : null,
            QueryNorm: headNorms ? tensors.Bind(Name("attn_q_norm.weight"), hp.HeadDim) : null,
            KeyNorm: headNorms ? tensors.Bind(Name("attn_k_norm.weight"), hp.HeadDim) : null,
            OutputNorm: extras.HasFlag(Extras.OutputNorm) ? tensors.Bind(Name("post_attention_norm.weight"), hp.EmbeddingLength) : null);
    }
}
