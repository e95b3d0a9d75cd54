namespace Toasted.Daemon.Configuration;

/// <summary>A spot in a TOML file: 1-based line, and column counted in Unicode characters.</summary>
public readonly record struct TomlPosition(int Line, int Column);
