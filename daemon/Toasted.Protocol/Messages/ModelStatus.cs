namespace Toasted.Protocol.Messages;

/// <summary>The loaded model, as reported by <c>status</c>.</summary>
public sealed class ModelStatus
{
    public string Path { get; set; } = "";
    public string Name { get; set; } = "";
    public string Architecture { get; set; } = "";
    public int ContextLength { get; set; }
    public int VocabSize { get; set; }
    public long ParameterCount { get; set; }
    public bool HasChatTemplate { get; set; }
}
