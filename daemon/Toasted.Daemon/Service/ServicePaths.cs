namespace Toasted.Daemon.Service;

/// <summary>Where the service file and the service's log live for a user, per platform; computed from
/// HOME and the XDG variables given, so tests can point them at a temporary home.</summary>
public sealed record ServicePaths(string ServiceFile, string LogFile)
{
    public const string SystemdUnitName = "toasted.service";
    public const string LaunchdLabel = "dev.toasted.toasted";

    public static ServicePaths For(ServicePlatform platform, Func<string, string?> environment)
    {
        var home = environment("HOME") is { Length: > 0 } fromEnvironment ? fromEnvironment : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (platform == ServicePlatform.MacOS)
        {
            return new ServicePaths(
                Path.Combine(home, "Library", "LaunchAgents", LaunchdLabel + ".plist"),
                Path.Combine(home, "Library", "Logs", "toasted", "toasted.log"));
        }
        // systemd reads user units from $XDG_CONFIG_HOME/systemd/user; the XDG spec ignores relative values.
        var configHome = Absolute(environment("XDG_CONFIG_HOME")) ?? Path.Combine(home, ".config");
        var stateHome = Absolute(environment("XDG_STATE_HOME")) ?? Path.Combine(home, ".local", "state");
        return new ServicePaths(
            Path.Combine(configHome, "systemd", "user", SystemdUnitName),
            Path.Combine(stateHome, "toasted", "toasted.log"));
    }

    private static string? Absolute(string? path) => path is { Length: > 0 } && Path.IsPathRooted(path) ? path : null;
}
