namespace Toasted.Protocol.Client;

/// <summary>No daemon answers on the socket: the file is missing, or nothing listens behind it.</summary>
public sealed class DaemonUnavailableException(string socketPath, string reason, Exception? inner = null)
    : Exception($"toasted is not running: {reason} ({socketPath})", inner)
{
    public string SocketPath { get; } = socketPath;
}
