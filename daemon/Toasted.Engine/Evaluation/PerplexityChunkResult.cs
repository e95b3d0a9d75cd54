namespace Toasted.Engine.Evaluation;

/// <summary>One finished chunk: its 1-based number and the perplexity over all tokens scored so far.</summary>
public sealed record PerplexityChunkResult(int Number, double RunningPerplexity, TimeSpan Elapsed);
