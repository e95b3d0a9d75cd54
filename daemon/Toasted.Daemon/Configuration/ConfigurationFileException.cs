namespace Toasted.Daemon.Configuration;

/// <summary>A configuration file that cannot be used: unreadable, not the TOML we accept, or holding a
/// setting that is unknown or out of range. The message starts with <c>path:line:column:</c> so editors
/// and people can jump to the spot.</summary>
public sealed class ConfigurationFileException : Exception
{
    public ConfigurationFileException(string filePath, int line, int column, string reason)
        : base(line > 0 ? $"{filePath}:{line}:{column}: {reason}" : $"{filePath}: {reason}")
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public string FilePath { get; }

    /// <summary>1-based; 0 when the problem is the file as a whole (missing, unreadable).</summary>
    public int Line { get; }

    /// <summary>1-based, counted in Unicode characters.</summary>
    public int Column { get; }

    public string Reason { get; }
}
