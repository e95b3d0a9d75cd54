namespace Toasted.Protocol.Admin;

/// <summary>Values of <c>type</c> on the admin socket (docs/protocol.md, "Admin socket").</summary>
public static class AdminFrameTypes
{
    // Daemon → watcher.
    public const string Snapshot = "snapshot";
    public const string State = "state";
    public const string Loading = "loading";
    public const string RequestStarted = "request_started";
    public const string RequestFinished = "request_finished";
    public const string Queue = "queue";
    public const string Error = "error";

    // Watcher → daemon: the only request; anything else is ignored.
    public const string SnapshotRequest = "snapshot";
}
