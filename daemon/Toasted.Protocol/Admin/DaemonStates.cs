namespace Toasted.Protocol.Admin;

/// <summary>Values of <c>state</c>: the daemon's life, in order.</summary>
public static class DaemonStates
{
    /// <summary>The model is loading; the main socket is not listening yet.</summary>
    public const string Loading = "loading";
    /// <summary>The model is loaded and the main socket accepts requests.</summary>
    public const string Ready = "ready";
    /// <summary>Stopping (SIGTERM/SIGINT): no new requests; running ones are being ended.</summary>
    public const string Draining = "draining";
}
