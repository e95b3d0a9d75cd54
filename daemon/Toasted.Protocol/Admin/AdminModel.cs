namespace Toasted.Protocol.Admin;

/// <summary>The model in a snapshot. While loading only <see cref="Path"/> is sure; the rest is null
/// until the file's metadata has been read.</summary>
public sealed class AdminModel
{
    public string Path { get; set; } = "";
    public string? Name { get; set; }
    public string? Architecture { get; set; }
    /// <summary>The context the model was trained with (the snapshot's own context_length is what each generation gets).</summary>
    public int? TrainedContextLength { get; set; }
    public long? ParameterCount { get; set; }
}
