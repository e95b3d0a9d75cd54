namespace Toasted.Client.Autostart;

/// <summary>toast tried to start the daemon and it did not come up; the message says why and where its log is.</summary>
public sealed class AutostartFailedException(string message) : Exception(message);
