using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>One decoder block: self-attention, then a feed-forward of the architecture's kind.</summary>
public sealed record DecoderBlock<TFeedForward>(AttentionWeights Attention, TFeedForward FeedForward);

/// <summary>
/// The bound tensors of a decoder-only model: embeddings, blocks, final norm and the vocabulary
/// projection (its own tensor, or tied to the token embeddings when <c>output.weight</c> is absent).
/// </summary>
public sealed record DecoderWeights<TFeedForward>(
    WeightTensor TokenEmbedding,                 // (vocab, embd)
    DecoderBlock<TFeedForward>[] Blocks,
    WeightTensor OutputNorm,                     // (embd)
    WeightTensor Output,                         // (vocab, embd), token_embd when tied
    float[]? RopeFrequencyFactors)               // (ropeDims/2) Llama 3.1-style rope_freqs, or absent
{
    public static DecoderWeights<TFeedForward> Bind(GgufFile file, IComputeBackend backend, TransformerHyperParameters hp,
        Func<TensorBinder, int, DecoderBlock<TFeedForward>> bindBlock)
    {
        var tensors = new TensorBinder(file, backend);
        var blocks = new DecoderBlock<TFeedForward>[hp.Layers];
        for (int i = 0; i < hp.Layers; i++)
            blocks[i] = bindBlock(tensors, i);
        var embedding = tensors.Bind("token_embd.weight", hp.EmbeddingLength, hp.VocabSize);
        var output = tensors.BindOptional("output.weight", hp.EmbeddingLength, hp.VocabSize) ?? embedding;
        var ropeFactors = tensors.ReadFloats("rope_freqs.weight", hp.Rope.Dimensions / 2);
        return new DecoderWeights<TFeedForward>(embedding, blocks, tensors.Bind("output_norm.weight", hp.EmbeddingLength), output, ropeFactors);
    }

    /// <summary>The rotary parameters with this model's frequency factors, if it has any.</summary>
    public RopeParameters Rope(TransformerHyperParameters hp) =>
        RopeFrequencyFactors is null ? hp.Rope : hp.Rope with { FrequencyFactors = RopeFrequencyFactors };
}
