namespace Toasted.Engine.Inference;

/// <summary>How a generation ended, with token counts and wall-clock timings.</summary>
public sealed record GenerationResult(
    StopReason StopReason,
    int PromptTokens,
    int CompletionTokens,
    double PrefillMilliseconds,
    double DecodeMilliseconds)
{
    /// <summary>Prompt tokens in the cache when the generation ended: all of them unless it was
    /// cancelled during prefill.</summary>
    public int PrefilledTokens { get; init; }
}
