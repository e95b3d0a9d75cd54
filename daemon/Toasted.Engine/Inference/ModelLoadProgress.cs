namespace Toasted.Engine.Inference;

/// <summary>Where loading is: <see cref="Phase"/> is one of <see cref="ModelLoadPhases"/>; <see cref="Done"/>
/// of <see cref="Total"/> units of it are finished (tensors while binding, else 0 of 1 then 1 of 1).</summary>
public readonly record struct ModelLoadProgress(string Phase, int Done, int Total);

/// <summary>The phases of <see cref="LoadedModel.Load"/>, in order.</summary>
public static class ModelLoadPhases
{
    /// <summary>Mapping the file and reading its header and metadata.</summary>
    public const string Open = "open";
    /// <summary>Building the tokenizer from the metadata.</summary>
    public const string Tokenizer = "tokenizer";
    /// <summary>Binding each weight tensor in the backend, repacking (interleaving) quantized rows for decode.</summary>
    public const string BindTensors = "bind_tensors";
}
