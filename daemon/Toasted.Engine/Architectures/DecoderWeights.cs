using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>One decoder block: self-attention, then a feed-forward of the architecture's kind.</summary>
public sealed record DecoderBlock<TFeedForward>(AttentionWeights Attention, TFeedForward FeedForward);

/// <summary>
/// The bound tensors of a decoder-only model: embeddings, blocks, final norm and the vocabulary
/// projection (its own tensor, or tied to the token embeddings when <c>output.weight</c> is absent),
/// and the per-pair rotary frequency factors a file may carry. The factors are read into memory
/// because they parameterise the rotation rather than being multiplied.
/// </summary>
public sealed record DecoderWeights<TFeedForward>(
    WeightTensor TokenEmbedding,                 // (vocab, embd)
    DecoderBlock<TFeedForward>[] Blocks,
    WeightTensor OutputNorm,                     // (embd)
    WeightTensor Output,                         // (vocab, embd), token_embd when tied
    float[]? RopeFrequencyFactors,               // (ropeDims/2) Llama 3.1-style rope_freqs, or absent
    float[]? ShortRopeFactors,                   // (ropeDims/2) LongRoPE's factors within the original context, or absent
    float[]? LongRopeFactors)                    // (ropeDims/2) LongRoPE's factors beyond it, or absent
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
        var pairs = hp.Rope.Dimensions / 2;
        return new DecoderWeights<TFeedForward>(
            embedding, blocks, tensors.Bind("output_norm.weight", hp.EmbeddingLength), output,
            tensors.ReadFloats("rope_freqs.weight", pairs),
            tensors.ReadFloats("rope_factors_short.weight", pairs),
            tensors.ReadFloats("rope_factors_long.weight", pairs));
    }

    /// <summary>
    /// <paramref name="layer"/> with this model's frequency factors in its rotation, as llama.cpp
    /// chooses them: <c>rope_freqs</c> when the file has it; otherwise LongRoPE's short factors for
    /// sessions within the original context and its long factors (the short ones when there are
    /// none) beyond it; no factors at all in files with neither.
    /// </summary>
    public AttentionLayerParameters WithRopeFactors(AttentionLayerParameters layer)
    {
        if (RopeFrequencyFactors is not null)
            return layer with { Rope = layer.Rope with { FrequencyFactors = RopeFrequencyFactors } };
        if (ShortRopeFactors is null && LongRopeFactors is null)
            return layer;
        return layer with
        {
            Rope = layer.Rope with { FrequencyFactors = ShortRopeFactors },
            LongContextRope = layer.Rope with { FrequencyFactors = LongRopeFactors ?? ShortRopeFactors },
        };
    }
}
