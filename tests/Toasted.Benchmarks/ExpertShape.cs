namespace Toasted.Benchmarks;

/// <summary>
/// The feed-forward of a mixture-of-experts model: <paramref name="Count"/> SwiGLU experts of width
/// <paramref name="FeedForward"/>, of which the router runs <paramref name="Used"/> per token.
/// </summary>
public sealed record ExpertShape(int Count, int Used, int FeedForward);
