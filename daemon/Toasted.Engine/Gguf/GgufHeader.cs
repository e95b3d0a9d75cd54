namespace Toasted.Engine.Gguf;

/// <summary>Everything a GGUF header declares, validated against the length of the file it came from.</summary>
internal sealed record GgufHeader(
    uint Version,
    GgufMetadata Metadata,
    IReadOnlyList<GgufTensorInfo> Tensors,
    long Alignment,
    long DataOffset);
