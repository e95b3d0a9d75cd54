using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;

namespace Toasted.Engine.Architectures;

/// <summary>One Phi-3 decoder block's tensors (blk.N.*). Shapes are (out, in).</summary>
public sealed record Phi3Block(
    WeightTensor AttentionNorm,    // (embd)
    WeightTensor QueryKeyValue,    // (heads·headDim + 2·kvHeads·headDim, embd): rows of Q, then K, then V
    WeightTensor Output,           // (embd, heads·headDim)
    WeightTensor FeedForwardNorm,  // (embd)
    WeightTensor GateUp,           // (2·ff, embd): rows of the gate, then of up
    WeightTensor Down);            // (embd, ff)

/// <summary>
/// The bound tensors of a Phi-3 model. <see cref="LongRopeFactors"/> and <see cref="ShortRopeFactors"/>
/// are LongRoPE's per-pair frequency divisors (rotary dimensions / 2 each), read into memory because
/// they parameterise the rotation rather than being multiplied; they are absent in models without
/// rope scaling.
/// </summary>
public sealed record Phi3Weights(
    WeightTensor TokenEmbedding,  // (vocab, embd)
    Phi3Block[] Blocks,
    WeightTensor OutputNorm,      // (embd)
    WeightTensor Output,          // (vocab, embd), token_embd when tied
    float[]? LongRopeFactors,     // (ropeDimensions / 2)
    float[]? ShortRopeFactors)    // (ropeDimensions / 2)
{
    public static Phi3Weights Bind(GgufFile file, IComputeBackend backend, TransformerHyperParameters hp)
    {
        var tensors = new TensorBinder(file, backend);
        var blocks = new Phi3Block[hp.Layers];
        for (int i = 0; i < hp.Layers; i++)
        {
            blocks[i] = new Phi3Block(
                tensors.Bind($"blk.{i}.attn_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.attn_qkv.weight", hp.EmbeddingLength, hp.QueryDim + 2 * hp.KvDim),
                tensors.Bind($"blk.{i}.attn_output.weight", hp.QueryDim, hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.ffn_norm.weight", hp.EmbeddingLength),
                tensors.Bind($"blk.{i}.ffn_up.weight", hp.EmbeddingLength, 2 * hp.FeedForwardLength),
                tensors.Bind($"blk.{i}.ffn_down.weight", hp.FeedForwardLength, hp.EmbeddingLength));
        }
        var embedding = tensors.Bind("token_embd.weight", hp.EmbeddingLength, hp.VocabSize);
        var output = tensors.BindOptional("output.weight", hp.EmbeddingLength, hp.VocabSize) ?? embedding;
        return new Phi3Weights(
            embedding, blocks, tensors.Bind("output_norm.weight", hp.EmbeddingLength), output,
            tensors.ReadFloats("rope_factors_long.weight", hp.Rope.Dimensions / 2),
            tensors.ReadFloats("rope_factors_short.weight", hp.Rope.Dimensions / 2));
    }
}
