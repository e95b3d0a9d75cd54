using System.Text.Json.Serialization;

namespace Toasted.Protocol.Admin;

/// <summary>What every frame the daemon sends on the admin socket carries: its type and when it was
/// made (UTC, ISO 8601 with milliseconds).</summary>
public abstract class AdminFrame
{
    /// <summary>Each frame type puts <c>[JsonPropertyOrder(-2)]</c> on its override, so type comes first.</summary>
    public abstract string Type { get; }

    [JsonPropertyOrder(-1)]
    public string Time { get; set; } = "";
}
