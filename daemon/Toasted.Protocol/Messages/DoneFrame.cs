using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>A generation ended normally; <see cref="StopReason"/> is one of <see cref="StopReasons"/>.</summary>
public sealed class DoneFrame : ResponseFrame
{
    public override string Type => FrameTypes.Done;
    [JsonIgnore]
    public override bool IsFinal => true;

    public string StopReason { get; set; } = "";
    public Usage Usage { get; set; } = new();
    public Timings Timings { get; set; } = new();
}
