namespace Toasted.Daemon.Transport;

/// <summary>The folder chosen for the sockets cannot be made private to this user; the daemon does not start.</summary>
public sealed class SocketFolderException(string message) : Exception(message);
