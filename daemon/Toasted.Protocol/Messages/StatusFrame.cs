using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>The answer to <c>status</c>.</summary>
public sealed class StatusFrame : ResponseFrame
{
    public override string Type => FrameTypes.Status;
    [JsonIgnore]
    public override bool IsFinal => true;

    /// <summary>"idle" or "busy" (a generation holds the inference slot).</summary>
    public string State { get; set; } = "";
    public string Version { get; set; } = "";
    public int WireVersion { get; set; } = WireProtocol.Version;
    public ModelStatus? Model { get; set; }
    /// <summary>Tokens of context each generation gets.</summary>
    public int ContextLength { get; set; }
    public int QueueDepth { get; set; }
    public int QueueCapacity { get; set; }
    public long UptimeMs { get; set; }
}
