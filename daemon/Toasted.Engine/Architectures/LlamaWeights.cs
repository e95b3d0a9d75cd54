using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>One decoder block's tensors, named as GGUF names them (blk.N.*). Shapes are (out, in).</summary>
public sealed record LlamaBlock(
    WeightTensor AttentionNorm,   // (embd)
    WeightTensor Query,           // (heads·headDim, embd)
    WeightTensor Key,             // (kvHeads·headDim, embd)
    WeightTensor Value,           // (kvHeads·headDim, embd)
    WeightTensor Output,          // (embd, heads·headDim)
    WeightTensor FeedForwardNorm, // (embd)
    WeightTensor Gate,            // (ff, embd)
    WeightTensor Up,              // (ff, embd)
    WeightTensor Down);           // (embd, ff)

/// <summary>The bound tensors of a Llama model.</summary>
public sealed record LlamaWeights(
    WeightTensor TokenEmbedding,  // (vocab, embd)
    LlamaBlock[] Blocks,
    WeightTensor OutputNorm,      // (embd)
    WeightTensor Output)          // (vocab, embd), token_embd when tied
{
    public static LlamaWeights Bind(GgufFile file, IComputeBackend backend, TransformerHyperParameters hp)
    {
        var tensors = new TensorBinder(file, backend);
        var blocks = new LlamaBlock[hp.Layers];
        for (int i = 0; i < hp.Layers; i++)
        {
            blocks[i] = new LlamaBlock(
                tensors.Bind($"blk.{i}.attn_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.attn_q.weight", hp.EmbeddingLength, hp.QueryDim),
                tensors.Bind($"blk.{i}.attn_k.weight", hp.EmbeddingLength, hp.KvDim),
                tensors.Bind($"blk.{i}.attn_v.weight", hp.EmbeddingLength, hp.KvDim),
                tensors.Bind($"blk.{i}.attn_output.weight", hp.QueryDim, hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.ffn_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.ffn_gate.weight", hp.EmbeddingLength, hp.FeedForwardLength),
                tensors.Bind($"blk.{i}.ffn_up.weight", hp.EmbeddingLength, hp.FeedForwardLength),
                tensors.Bind($"blk.{i}.ffn_down.weight", hp.FeedForwardLength, hp.EmbeddingLength));
        }
        var embedding = tensors.Bind("token_embd.weight", hp.EmbeddingLength, hp.VocabSize);
        var output = tensors.BindOptional("output.weight", hp.EmbeddingLength, hp.VocabSize) ?? embedding;
        return new LlamaWeights(embedding, blocks, tensors.Bind("output_norm.weight", hp.EmbeddingLength), output);
    }
}
