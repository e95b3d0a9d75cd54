using System.Text.Json.Serialization;
namespace Toasted.Protocol.Admin;

/// <summary>The daemon as it is now: sent first on every admin connection, and again on request.</summary>
public sealed class SnapshotFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.Snapshot;

    /// <summary>One of <see cref="DaemonStates"/>.</summary>
    public string State { get; set; } = "";
    public string Version { get; set; } = "";
    public int WireVersion { get; set; } = WireProtocol.Version;
    public int Pid { get; set; }
    public AdminModel Model { get; set; } = new();
    /// <summary>The compute backend (<c>cpu</c>); null while loading.</summary>
    public string? Backend { get; set; }
    /// <summary>Compute threads; null while loading.</summary>
    public int? Threads { get; set; }
    /// <summary>Tokens of context each generation gets; null while loading.</summary>
    public int? ContextLength { get; set; }
    /// <summary>Generate requests waiting for the inference slot.</summary>
    public int QueueDepth { get; set; }
    public int QueueCapacity { get; set; }
    /// <summary>Generations holding an inference slot.</summary>
    public int ActiveRequests { get; set; }
    public long UptimeMs { get; set; }
    /// <summary>Resident memory of the daemon process, in bytes.</summary>
    public long RssBytes { get; set; }
    /// <summary>The latest loading progress while <see cref="State"/> is loading, else null.</summary>
    public LoadProgress? Loading { get; set; }
    /// <summary>The main socket's path.</summary>
    public string Socket { get; set; } = "";
}
