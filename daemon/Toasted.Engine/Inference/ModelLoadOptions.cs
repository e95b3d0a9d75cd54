namespace Toasted.Engine.Inference;

/// <summary>How to load a model. Threads 0 means one per core; ContextLength 0 means the model's own, capped at 4096.</summary>
public sealed record ModelLoadOptions
{
    public int Threads { get; init; }
    public int ContextLength { get; init; }

    /// <summary>Told each loading phase as it starts and, while weights are bound, after every tensor;
    /// called on the loading thread, so it must be quick.</summary>
    public IProgress<ModelLoadProgress>? Progress { get; init; }
}
