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

    /// <summary>The context the model was trained with before any rope scaling: LongRoPE's short
    /// factors serve sessions up to this length, its long factors longer ones.</summary>
    public required int OriginalContextLength { get; init; }

    public int QueryDim => Heads * HeadDim;
    public int KvDim => KvHeads * HeadDim;

    /// <summary>
    /// Values used when a file lacks a key. They are the family's own configuration values, so a
    /// file written without them behaves as the published models do.
    /// </summary>
    public sealed record Defaults
    {
        public int ContextLength { get; init; } = 2048;
        public float RmsEpsilon { get; init; } = 1e-5f;
        public float RopeBase { get; init; } = 10000f;
    }

    /// <summary>
    /// Reads the keys every decoder shares, under <paramref name="architecture"/>'s prefix. The head
    /// dimension is <c>attention.key_length</c> when present (Qwen3 and Gemma 3 may differ from
    /// embd / heads), and values must have the same length because the KV cache stores both with one
    /// head dimension.
    /// </summary>
    public static TransformerHyperParameters Read(GgufMetadata metadata, string architecture, RopeMode ropeMode, Defaults? defaults = null)
    {
        defaults ??= new Defaults();
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
        var contextLength = (int)metadata.GetInteger(Key(GgufKeys.ContextLength), defaults.ContextLength);
        return new TransformerHyperParameters
        {
            EmbeddingLength = embd,
            Layers = (int)metadata.GetInteger(Key(GgufKeys.BlockCount)),
            Heads = heads,
            KvHeads = (int)metadata.GetInteger(Key(GgufKeys.HeadCountKv), heads),
            HeadDim = headDim,
            FeedForwardLength = (int)metadata.GetInteger(Key(GgufKeys.FeedForwardLength), 0),
            ContextLength = contextLength,
            OriginalContextLength = (int)metadata.GetInteger(Key(GgufKeys.RopeScalingOriginalContextLength), contextLength),
            VocabSize = vocab,
            RmsEpsilon = metadata.GetFloat(Key(GgufKeys.RmsNormEpsilon), defaults.RmsEpsilon),
            // LongRoPE's attention factor (√(1 + ln(scale)/ln(original context)), written by the
            // converter for Phi-3) scales the rotation's cosine and sine; 1 in every other file.
            Rope = new RopeParameters(
                ropeMode,
                (int)metadata.GetInteger(Key(GgufKeys.RopeDimensionCount), headDim),
                metadata.GetFloat(Key(GgufKeys.RopeFreqBase), defaults.RopeBase),
                RopeFrequencyScale(metadata, Key),
                AttentionFactor: metadata.GetFloat(Key(GgufKeys.RopeScalingAttentionFactor), 1f)),
        };
    }

    private static float RopeFrequencyScale(GgufMetadata metadata, Func<string, string> key)
    {
        // Linear scaling stretches positions by 1/factor. Llama 3's scaling and LongRoPE have no
        // metadata of their own that changes the angles: their per-pair factors come as tensors
        // (rope_freqs, rope_factors_{short,long}), bound with the weights. YaRN changes every angle
        // (and the attention scale); running it unscaled would give wrong logits without a word, so
        // such files are refused until it is implemented.
        var type = metadata.GetStringOrNull(key(GgufKeys.RopeScalingType));
        if (type is not (null or "none" or "linear"))
            throw new InvalidDataException($"rope scaling type '{type}' is not supported");
        var factor = metadata.GetFloat(key(GgufKeys.RopeScalingFactor), 0f);
        return type == "linear" && factor > 0 ? 1f / factor : 1f;
    }
}
