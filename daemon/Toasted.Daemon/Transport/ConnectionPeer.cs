namespace Toasted.Daemon.Transport;

/// <summary>
/// Who is at the other end of the connection a request came on: the daemon's number for the
/// connection and the client's process and user ids from the kernel (null where the platform does not
/// say). Set once per connection by the listener and flowed with the connection's async work, so
/// request handling can name its client without the transport's types in every signature.
/// </summary>
public sealed record ConnectionPeer(long Connection, int? ProcessId, uint? UserId)
{
    private static readonly AsyncLocal<ConnectionPeer?> CurrentPeer = new();

    /// <summary>The peer of the connection whose work is running, or null outside one.</summary>
    public static ConnectionPeer? Current
    {
        get => CurrentPeer.Value;
        set => CurrentPeer.Value = value;
    }
}
