namespace Toasted.Engine.Sampling;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy. The defaults follow llama.cpp's sampler
/// chain defaults (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8, no repetition penalty).
/// A null <see cref="Seed"/> draws a random one.
/// </summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 0.8f;
    public int TopK { get; init; } = 40;
    public float TopP { get; init; } = 0.95f;
    public float MinP { get; init; } = 0.05f;
    public float RepeatPenalty { get; init; } = 1.0f;
    public int RepeatLastN { get; init; } = 64;
    public ulong? Seed { get; init; }

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0f };
}
