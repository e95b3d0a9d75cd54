namespace Toasted.Protocol.Messages;

/// <summary>Generate text from a conversation (<see cref="Messages"/>) or a raw <see cref="Prompt"/>.
/// Absent sampling fields take the daemon's defaults (docs/protocol.md).</summary>
public sealed class GenerateRequest : RequestFrame
{
    public override string Type => FrameTypes.Generate;

    /// <summary>When set, the file name or path of the model the caller expects to be loaded.</summary>
    public string? Model { get; set; }

    public List<WireChatMessage>? Messages { get; set; }
    public string? Prompt { get; set; }
    public int? MaxTokens { get; set; }
    public float? Temperature { get; set; }
    public int? TopK { get; set; }
    public float? TopP { get; set; }
    public float? MinP { get; set; }
    public float? RepeatPenalty { get; set; }
    public ulong? Seed { get; set; }
    public List<string>? Stop { get; set; }
    public bool? Stream { get; set; }
}
