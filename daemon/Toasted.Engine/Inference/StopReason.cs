namespace Toasted.Engine.Inference;

/// <summary>Why a generation ended.</summary>
public enum StopReason
{
    /// <summary>The model produced an end-of-generation token.</summary>
    End,
    /// <summary>The requested maximum number of tokens was generated.</summary>
    MaxTokens,
    /// <summary>The output reached one of the requested stop strings (not included in the output).</summary>
    Stop,
    /// <summary>The context window is full.</summary>
    ContextFull,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
