using System.Text.Json.Serialization;

namespace Toasted.Protocol.Admin;

/// <summary>What every frame the daemon sends on the admin socket carries: its type and when it was
/// made (UTC, ISO 8601 with milliseconds).</summary>
public abstract class AdminFrame
{
    [JsonPropertyOrder(-2)]
    public abstract string Type { get; }

    [JsonPropertyOrder(-1)]
    public string Time { get; set; } = "";
}
