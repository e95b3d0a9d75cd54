namespace Toasted.Daemon.Configuration;

/// <summary>Where a configuration key was written and what TOML type it had, since configuration
/// values themselves are only strings.</summary>
public sealed record TomlValueOrigin(string FilePath, TomlPosition Position, TomlValueKind Kind)
{
    public override string ToString() => $"{FilePath}:{Position.Line}";
}
