using Toasted.Engine.Compute;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Architectures;

/// <summary>The shape of a decoder-only transformer, as read from GGUF metadata.</summary>
public sealed record TransformerHyperParameters
{
    public required int EmbeddingLength { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int FeedForwardLength { get; init; }
    public required int ContextLength { get; init; }
    public required int VocabSize { get; init; }
    public required float RmsEpsilon { get; init; }
    public required RopeParameters Rope { get; init; }

    public int QueryDim => Heads * HeadDim;
    public int KvDim => KvHeads * HeadDim;

    /// <summary>
    /// Reads the keys every decoder shares, under <paramref name="architecture"/>'s prefix. The head
    /// dimension is <c>attention.key_length</c> when present (Qwen3 may differ from embd / heads), and
    /// values must have the same length because the KV cache stores both with one head dimension.
    /// </summary>
    public static TransformerHyperParameters Read(GgufMetadata metadata, string architecture, RopeMode ropeMode)
    {
        string Key(string suffix) => GgufMetadata.ArchKey(architecture, suffix);
        var embd = (int)metadata.GetInteger(Key(GgufKeys.EmbeddingLength));
        var heads = (int)metadata.GetInteger(Key(GgufKeys.HeadCount));
        var headDim = (int)metadata.GetInteger(Key(GgufKeys.KeyLength), embd / heads);
        var valueDim = (int)metadata.GetInteger(Key(GgufKeys.ValueLength), headDim);
        if (valueDim != headDim)
            throw new InvalidDataException($"value length {valueDim} differs from key length {headDim}, which is not supported");
        var vocab = metadata.TryGet(Key(GgufKeys.VocabSize), out var v)
            ? (int)v.AsInteger()
            : metadata.GetArray(GgufKeys.TokenizerTokens).Count;
        return new TransformerHyperParameters
        {
            EmbeddingLength = embd,
            Layers = (int)metadata.GetInteger(Key(GgufKeys.BlockCount)),
            Heads = heads,
            KvHeads = (int)metadata.GetInteger(Key(GgufKeys.HeadCountKv), heads),
            HeadDim = headDim,
            FeedForwardLength = (int)metadata.GetInteger(Key(GgufKeys.FeedForwardLength), 0),
            ContextLength = (int)metadata.GetInteger(Key(GgufKeys.ContextLength), 2048),
            VocabSize = vocab,
            RmsEpsilon = metadata.GetFloat(Key(GgufKeys.RmsNormEpsilon), 1e-5f),
            Rope = new RopeParameters(
                ropeMode,
                (int)metadata.GetInteger(Key(GgufKeys.RopeDimensionCount), headDim),
                metadata.GetFloat(Key(GgufKeys.RopeFreqBase), 10000f),
                RopeFrequencyScale(metadata, Key)),
        };
    }

    private static float RopeFrequencyScale(GgufMetadata metadata, Func<string, string> key)
    {
        // Linear scaling stretches positions by 1/factor. Llama 3's scaling has no metadata of its own
        // that changes the angles: its per-pair factors come as the rope_freqs tensor, bound with the weights.
        // YaRN and LongRoPE change every angle (and the attention scale); running them unscaled would
        // give wrong logits without a word, so such files are refused until they are implemented.
        var type = metadata.GetStringOrNull(key(GgufKeys.RopeScalingType));
        if (type is not (null or "none" or "linear"))
            throw new InvalidDataException($"rope scaling type '{type}' is not supported");
        var factor = metadata.GetFloat(key(GgufKeys.RopeScalingFactor), 0f);
        return type == "linear" && factor > 0 ? 1f / factor : 1f;
    }
}
