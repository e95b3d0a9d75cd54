namespace Toasted.Daemon.Configuration;

/// <summary>Which config file to read: <c>--config PATH</c>, else <c>$TOASTED_CONFIG</c> (both must
/// exist), else the per-user default, which may be absent: <c>$XDG_CONFIG_HOME/toasted/config.toml</c>
/// or <c>~/.config/toasted/config.toml</c>, and on macOS <c>~/Library/Application Support/toasted/config.toml</c>.</summary>
public static class ConfigFileLocation
{
    public const string FileName = "config.toml";

    public static (string Path, bool Explicit) Choose(string? flagPath, Func<string, string?> environment, bool isMacOS)
    {
        if (!string.IsNullOrEmpty(flagPath)) return (Path.GetFullPath(flagPath), true);
        if (environment(SettingsSchema.ConfigFileEnvironmentVariable) is { Length: > 0 } fromEnvironment)
            return (Path.GetFullPath(fromEnvironment), true);
        return (DefaultPath(environment, isMacOS), false);
    }

    public static string DefaultPath(Func<string, string?> environment, bool isMacOS)
    {
        var home = environment("HOME") is { Length: > 0 } fromEnvironment ? fromEnvironment : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (isMacOS) return Path.Combine(home, "Library", "Application Support", "toasted", FileName);
        // The XDG base directory spec says a relative $XDG_CONFIG_HOME is to be ignored.
        if (environment("XDG_CONFIG_HOME") is { Length: > 0 } configHome && Path.IsPathRooted(configHome))
            return Path.Combine(configHome, "toasted", FileName);
        return Path.Combine(home, ".config", "toasted", FileName);
    }
}
