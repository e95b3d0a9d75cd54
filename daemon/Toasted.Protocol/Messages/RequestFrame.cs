using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>What every request carries. The concrete type is chosen by <see cref="Type"/>.</summary>
public abstract class RequestFrame
{
    [JsonPropertyOrder(-3)]
    public int WireVersion { get; set; } = Toasted.Protocol.WireProtocol.Version;

    [JsonPropertyOrder(-2)]
    public string Id { get; set; } = "";

    [JsonPropertyOrder(-1)]
    public abstract string Type { get; }
}
