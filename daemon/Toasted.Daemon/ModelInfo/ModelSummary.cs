using Toasted.Engine.Quantization;

namespace Toasted.Daemon.ModelInfo;

/// <summary>
/// What a GGUF file holds, as `toasted info` reports it. Everything comes from the header, so a
/// file this engine cannot run is described as fully as one it can; a value the file does not
/// declare is null.
/// </summary>
public sealed record ModelSummary(
    string Path,
    long FileSize,
    uint GgufVersion,
    string? Architecture,
    string? Name,
    long? FileType,
    long ParameterCount,
    int TensorCount,
    IReadOnlyList<TensorTypeUsage> TensorTypes,
    ModelShape Shape,
    TokenizerSummary Tokenizer,
    ChatTemplateSummary? ChatTemplate,
    IReadOnlyList<string> UnsupportedReasons)
{
    /// <summary>True when nothing in the header stops this engine from loading the model.</summary>
    public bool Runnable => UnsupportedReasons.Count == 0;
}

/// <summary>How many tensors have one element type, and how many bytes of data they take.</summary>
public sealed record TensorTypeUsage(GgmlType Type, int Count, long Bytes);

/// <summary>
/// The architecture's hyper-parameters. Per-layer values (a few families vary head counts or the
/// feed-forward width by layer) keep one entry per layer; a single value is a one-entry list.
/// </summary>
public sealed record ModelShape(
    long? EmbeddingLength,
    long? Layers,
    IReadOnlyList<long>? Heads,
    IReadOnlyList<long>? KvHeads,
    long? HeadDim,
    IReadOnlyList<long>? FeedForwardLength,
    long? ContextLength,
    long? VocabSize,
    double? RmsEpsilon,
    long? ExpertCount,
    long? ExpertsUsed,
    RopeSummary Rope);

/// <summary>Rotary position embedding settings as declared; nulls where the file relies on defaults.</summary>
public sealed record RopeSummary(long? DimensionCount, double? FrequencyBase, string? ScalingType, double? ScalingFactor);

/// <summary>The tokenizer the file declares: family, pre-tokenizer, vocabulary and its BOS/EOS tokens.</summary>
public sealed record TokenizerSummary(
    string? Model,
    string? PreTokenizer,
    int? VocabSize,
    long? BosId,
    string? BosText,
    long? EosId,
    string? EosText,
    bool? AddBos);

/// <summary>The chat template's size and first line (templates run to kilobytes; the first line identifies most).</summary>
public sealed record ChatTemplateSummary(int Length, string FirstLine);
