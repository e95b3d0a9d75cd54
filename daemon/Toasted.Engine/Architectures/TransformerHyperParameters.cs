using Toasted.Engine.Compute;

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
}
