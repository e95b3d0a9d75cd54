namespace Toasted.Benchmarks;

/// <summary>The shape of a real model, for synthetic-weight benchmark files.</summary>
public sealed record ModelShape(
    string Name, int Embedding, int Layers, int Heads, int KvHeads, int FeedForward, int Vocab, int Context,
    float RopeBase, bool TiedOutput)
{
    /// <summary>Length of one attention head, when it is not <see cref="Embedding"/> / <see cref="Heads"/>
    /// (Qwen3's heads are 128 wide whatever the embedding).</summary>
    public int? HeadDimension { get; init; }

    public int HeadDim => HeadDimension ?? Embedding / Heads;

    /// <summary>The mixture-of-experts feed-forward that replaces the dense one, when the model has one.</summary>
    public ExpertShape? Experts { get; init; }

    public float RmsEpsilon { get; init; } = 1e-5f;

    /// <summary>Dense shapes are written as "llama"; a mixture of experts as "qwen3moe", the
    /// mixture-of-experts architecture both this engine and llama.cpp run.</summary>
    public string Architecture => Experts is null ? "llama" : "qwen3moe";

    public static readonly IReadOnlyDictionary<string, ModelShape> Known = new[]
    {
        new ModelShape("tinyllama-1.1b", 2048, 22, 32, 4, 5632, 32000, 2048, 10000f, false),
        new ModelShape("llama-3.2-1b", 2048, 16, 32, 8, 8192, 128256, 4096, 500000f, true),
        new ModelShape("qwen3-0.6b", 1024, 28, 16, 8, 3072, 151936, 4096, 1000000f, true),
        // Qwen3-30B-A3B with everything a token touches kept (hidden 2048, 32/4 heads of 128, 8 experts
        // of width 768, the 151936-token vocabulary, untied output) and the model cut down to fit a
        // 24 GiB machine: 16 of 48 layers, 32 of 128 experts per layer. See docs/benchmarks.md.
        // feed_forward_length is the real file's value; no tensor of this architecture uses it.
        new ModelShape("qwen3-30b-a3b-scaled", 2048, 16, 32, 4, 6144, 151936, 40960, 1000000f, false)
        {
            HeadDimension = 128,
            Experts = new ExpertShape(Count: 32, Used: 8, FeedForward: 768),
            RmsEpsilon = 1e-6f,
        },
    }.ToDictionary(s => s.Name);
}
