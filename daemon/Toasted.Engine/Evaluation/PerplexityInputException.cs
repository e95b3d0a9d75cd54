namespace Toasted.Engine.Evaluation;

/// <summary>Perplexity cannot be measured with these settings on this text; the message says what to change.</summary>
public sealed class PerplexityInputException(string message) : Exception(message);
