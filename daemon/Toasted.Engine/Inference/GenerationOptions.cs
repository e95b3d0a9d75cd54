using Toasted.Engine.Sampling;

namespace Toasted.Engine.Inference;

/// <summary>Sampling plus the limits of one generation. MaxTokens 0 means "until the context is full".</summary>
public sealed record GenerationOptions
{
    public SamplingOptions Sampling { get; init; } = new();
    public int MaxTokens { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>
    /// True when the output continues the prompt's text (a raw completion): the first token's
    /// leading space is kept, because it separates the prompt's last word from the first new one.
    /// False for a chat reply, which starts a text of its own.
    /// </summary>
    public bool ContinuesPrompt { get; init; }
}
