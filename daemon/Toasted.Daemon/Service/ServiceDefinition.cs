namespace Toasted.Daemon.Service;

/// <summary>
/// What the service runs, with every path absolute, because a service manager starts it from a
/// working directory and environment of its own: the toasted executable, the arguments it gets
/// (the config file, the model when one was named at install), and where its log lines go.
/// </summary>
public sealed record ServiceDefinition
{
    public required string ExecutablePath { get; init; }

    /// <summary>The arguments after the executable, each one argument (not shell words).</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>The log file the daemon appends to.</summary>
    public required string LogFile { get; init; }

    /// <summary>The seconds the service manager waits before starting a failed daemon again.</summary>
    public int RestartDelaySeconds { get; init; } = 5;
}
