namespace Toasted.Engine.Architectures;

/// <summary>The one place that maps a GGUF architecture name to its implementation.</summary>
public static class ArchitectureRegistry
{
    private static readonly Dictionary<string, Func<IArchitecture>> Factories = new(StringComparer.Ordinal)
    {
        ["llama"] = () => new Llama(),
        ["gemma3"] = () => new Gemma3(),
        ["phi3"] = () => new Phi3(),
        ["qwen2"] = () => new Qwen2(),
        ["qwen3"] = () => new Qwen3(),
        ["qwen3moe"] = () => new Qwen3Moe(),
    };

    public static IReadOnlyCollection<string> Supported => Factories.Keys;

    public static IArchitecture? Create(string name) => Factories.TryGetValue(name, out var make) ? make() : null;
}
