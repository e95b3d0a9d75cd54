using Toasted.Engine.Sampling;

namespace Toasted.Engine.Inference;

/// <summary>Sampling plus the limits of one generation. MaxTokens 0 means "until the context is full".</summary>
public sealed record GenerationOptions
{
    public SamplingOptions Sampling { get; init; } = new();
    public int MaxTokens { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
}
