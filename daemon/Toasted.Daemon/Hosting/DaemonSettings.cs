using Microsoft.Extensions.Logging;
using Toasted.Daemon.Configuration;

namespace Toasted.Daemon.Hosting;

/// <summary>Everything the daemon is configured with, resolved once from defaults, the config file,
/// environment and flags (docs/config.md).</summary>
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
    /// <summary>Generations that run at once; the engine supports 1 for now.</summary>
    public int InferenceSlots { get; init; } = 1;
    /// <summary>How long one frame may take to reach a client's socket before the client is treated as
    /// gone (it stopped reading): its request is cancelled and the connection closed.
    /// <see cref="TimeSpan.Zero"/>: no limit.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    /// <summary>The file stdout and stderr are appended to; null: they stay where they are.</summary>
    public string? LogFile { get; init; }

    /// <summary>Settings from a resolved configuration; a usage error when no model is configured.</summary>
    public static DaemonSettings From(ResolvedConfiguration configuration)
    {
        if (configuration[SettingsSchema.Model].Value is not { } model)
        {
            throw new UsageException("no model: pass --model PATH (or --model auto), set TOASTED_MODEL, or set model in "
                + configuration.File.Path);
        }
        var socket = configuration[SettingsSchema.Socket];
        return new DaemonSettings
        {
            ModelPath = model,
            SocketPath = Path.GetFullPath(socket.Value!),
            SocketPathExplicit = socket.Origin.Source != SettingSource.Default,
            Threads = (int)configuration[SettingsSchema.Threads].IntegerValue,
            ContextLength = (int)configuration[SettingsSchema.Context].IntegerValue,
            QueueCapacity = (int)configuration[SettingsSchema.QueueDepth].IntegerValue,
            InferenceSlots = (int)configuration[SettingsSchema.QueueSlots].IntegerValue,
            WriteTimeout = TimeSpan.FromMilliseconds(configuration[SettingsSchema.QueueWriteTimeout].IntegerValue),
            LogLevel = Enum.Parse<LogLevel>(configuration[SettingsSchema.LogLevel].Value!, ignoreCase: true),
            LogFile = configuration[SettingsSchema.LogFile].Value is { } logFile ? Path.GetFullPath(logFile) : null,
        };
    }
}
