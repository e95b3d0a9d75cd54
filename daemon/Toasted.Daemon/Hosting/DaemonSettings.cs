namespace Toasted.Daemon.Hosting;

/// <summary>Everything the daemon is configured with, read once from flags and environment.</summary>
public sealed record DaemonSettings
{
    public required string ModelPath { get; init; }
    public required string SocketPath { get; init; }
    /// <summary>True when the socket path was chosen by the user, whose folder we then leave as it is.</summary>
    public bool SocketPathExplicit { get; init; }
    /// <summary>0: one per core.</summary>
    public int Threads { get; init; }
    /// <summary>0: the model's own, capped by the engine.</summary>
    public int ContextLength { get; init; }
    /// <summary>Requests that may wait for the inference slot before new ones get queue_full.</summary>
    public int QueueCapacity { get; init; } = 64;
}
