using Microsoft.Extensions.Logging;

namespace Toasted.Daemon.Lifecycle;

/// <summary>The least important level written, read by the logging filter on every line, so a reload
/// changes it without rebuilding the loggers.</summary>
public sealed class LogLevelSwitch(LogLevel level)
{
    private volatile int _level = (int)level;

    public LogLevel Level
    {
        get => (LogLevel)_level;
        set => _level = (int)value;
    }

    public bool Allows(LogLevel level) => level >= Level && level != LogLevel.None;
}
