namespace Toasted.Daemon.Inference;

/// <summary>The model could not be loaded at start; the daemon exits with this message.</summary>
public sealed class ModelStartupException(string message, Exception? inner = null) : Exception(message, inner);
