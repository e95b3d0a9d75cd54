namespace Toasted.Engine.Evaluation;

/// <summary>
/// How to measure perplexity, with llama-perplexity's meaning: chunks of <see cref="ContextLength"/>
/// tokens, each run from an empty cache in batches of at most <see cref="BatchSize"/> tokens, at most
/// <see cref="MaxChunks"/> of them (0: every whole chunk the text holds).
/// </summary>
public sealed record PerplexityOptions
{
    /// <summary>The smallest context that scores a token: n_ctx/2 tokens of context, then at least one scored.</summary>
    public const int MinContextLength = 3;

    public required int ContextLength { get; init; }
    public int BatchSize { get; init; } = 2048;
    public int MaxChunks { get; init; }
}
