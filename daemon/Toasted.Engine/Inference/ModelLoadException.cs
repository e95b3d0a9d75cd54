namespace Toasted.Engine.Inference;

/// <summary>A model file that is readable GGUF but cannot be run: unsupported architecture, type, tokenizer or missing tensor.</summary>
public sealed class ModelLoadException(string path, string reason)
    : Exception($"{System.IO.Path.GetFileName(path)}: {reason}")
{
    public string ModelPath { get; } = path;
    public string Reason { get; } = reason;
}
