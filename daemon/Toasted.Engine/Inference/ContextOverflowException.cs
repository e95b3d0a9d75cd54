namespace Toasted.Engine.Inference;

/// <summary>The prompt (plus any explicitly requested tokens) does not fit the context window.</summary>
public sealed class ContextOverflowException(int promptTokens, int requestedTokens, int contextLength)
    : Exception($"prompt of {promptTokens} tokens" + (requestedTokens > 0 ? $" plus {requestedTokens} requested tokens" : "")
        + $" does not fit the context of {contextLength} tokens")
{
    public int PromptTokens { get; } = promptTokens;
    public int RequestedTokens { get; } = requestedTokens;
    public int ContextLength { get; } = contextLength;
}
