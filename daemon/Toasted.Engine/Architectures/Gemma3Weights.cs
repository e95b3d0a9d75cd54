using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>One Gemma 3 decoder block's tensors (blk.N.*). Shapes are (out, in).</summary>
public sealed record Gemma3Block(
    WeightTensor AttentionNorm,          // (embd)
    WeightTensor Query,                  // (heads·headDim, embd)
    WeightTensor Key,                    // (kvHeads·headDim, embd)
    WeightTensor Value,                  // (kvHeads·headDim, embd)
    WeightTensor QueryNorm,              // (headDim), shared by every query head
    WeightTensor KeyNorm,                // (headDim), shared by every key head
    WeightTensor Output,                 // (embd, heads·headDim)
    WeightTensor PostAttentionNorm,      // (embd)
    WeightTensor FeedForwardNorm,        // (embd)
    WeightTensor Gate,                   // (ff, embd)
    WeightTensor Up,                     // (ff, embd)
    WeightTensor Down,                   // (embd, ff)
    WeightTensor PostFeedForwardNorm);   // (embd)

/// <summary>The bound tensors of a Gemma 3 model. The norm weights are used as stored: the converter
/// already folded Gemma's "1 + w" into them.</summary>
public sealed record Gemma3Weights(
    WeightTensor TokenEmbedding,  // (vocab, embd)
    Gemma3Block[] Blocks,
    WeightTensor OutputNorm,      // (embd)
    WeightTensor Output)          // (vocab, embd), token_embd when tied (as in published Gemma 3 files)
{
    public static Gemma3Weights Bind(GgufFile file, IComputeBackend backend, TransformerHyperParameters hp)
    {
        var tensors = new TensorBinder(file, backend);
        var blocks = new Gemma3Block[hp.Layers];
        for (int i = 0; i < hp.Layers; i++)
        {
            blocks[i] = new Gemma3Block(
                tensors.Bind($"blk.{i}.attn_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.attn_q.weight", hp.EmbeddingLength, hp.QueryDim),
                tensors.Bind($"blk.{i}.attn_k.weight", hp.EmbeddingLength, hp.KvDim),
                tensors.Bind($"blk.{i}.attn_v.weight", hp.EmbeddingLength, hp.KvDim),
                tensors.Bind($"blk.{i}.attn_q_norm.weight", hp.HeadDim),
                tensors.Bind($"blk.{i}.attn_k_norm.weight", hp.HeadDim),
                tensors.Bind($"blk.{i}.attn_output.weight", hp.QueryDim, hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.post_attention_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.ffn_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.ffn_gate.weight", hp.EmbeddingLength, hp.FeedForwardLength),
                tensors.Bind($"blk.{i}.ffn_up.weight", hp.EmbeddingLength, hp.FeedForwardLength),
                tensors.Bind($"blk.{i}.ffn_down.weight", hp.FeedForwardLength, hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.post_ffw_norm.weight", hp.EmbeddingLength));
        }
        var embedding = tensors.Bind("token_embd.weight", hp.EmbeddingLength, hp.VocabSize);
        var output = tensors.BindOptional("output.weight", hp.EmbeddingLength, hp.VocabSize) ?? embedding;
        return new Gemma3Weights(embedding, blocks, tensors.Bind("output_norm.weight", hp.EmbeddingLength), output);
    }
}
