using System.Text.Json.Serialization;
namespace Toasted.Protocol.Admin;

/// <summary>The daemon moved to another of <see cref="DaemonStates"/>.</summary>
public sealed class StateFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.State;

    public string State { get; set; } = "";
}
