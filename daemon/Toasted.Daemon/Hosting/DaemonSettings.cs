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
    /// <summary>How long one frame may take to reach a client's socket before the client is treated as
    /// gone (it stopped reading): its request is cancelled and the connection closed.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
