using System.Text.Json.Serialization;
namespace Toasted.Protocol.Admin;

/// <summary>The inference queue changed: a request entered or left the line, or took or freed the slot.</summary>
public sealed class QueueFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.Queue;

    public int Depth { get; set; }
    public int Capacity { get; set; }
    public int ActiveRequests { get; set; }
}
