namespace Toasted.Engine.Inference;

/// <summary>How a generation ended, with token counts and wall-clock timings.</summary>
public sealed record GenerationResult(
    StopReason StopReason,
    int PromptTokens,
    int CompletionTokens,
    double PrefillMilliseconds,
    double DecodeMilliseconds);
