namespace Toasted.Engine.Evaluation;

/// <summary>
/// A whole perplexity run: the running estimate after each chunk, and the final estimate with one
/// standard error (null when the variance is not positive).
/// </summary>
public sealed record PerplexityResult(
    int TextTokens,
    int ContextLength,
    int ScoredTokens,
    IReadOnlyList<double> RunningPerplexity,
    double Perplexity,
    double? Uncertainty)
{
    public int Chunks => RunningPerplexity.Count;
}
