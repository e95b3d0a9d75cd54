namespace Toasted.Daemon.Transport;

/// <summary>Another daemon already answers on the socket path; this one must not take it over.</summary>
public sealed class SocketInUseException(string socketPath)
    : Exception($"another toasted is already serving on {socketPath}; stop it first (or pass --socket PATH)")
{
    public string SocketPath { get; } = socketPath;
}
