namespace Toasted.Engine.Inference;

/// <summary>What a loaded model is, for status reports.</summary>
public sealed record ModelDescription(
    string Path,
    string Name,
    string Architecture,
    int ContextLength,
    int VocabSize,
    long ParameterCount,
    string? ChatTemplate);
