namespace Toasted.Engine.Benchmarking;

/// <summary>
/// One llama-bench test: prefill of <see cref="Prompt"/> tokens or generation of
/// <see cref="Generate"/> tokens, after <see cref="Depth"/> tokens already in the KV cache.
/// </summary>
public sealed record ThroughputTest(int Prompt, int Generate, int Depth)
{
    /// <summary>llama-bench's name for the test: "pp512", "tg128", "tg128 @ d1024".</summary>
    public string Name => (Prompt > 0 ? $"pp{Prompt}" : $"tg{Generate}") + (Depth > 0 ? $" @ d{Depth}" : "");

    public int Tokens => Prompt > 0 ? Prompt : Generate;
}
