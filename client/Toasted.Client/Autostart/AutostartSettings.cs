using System.Globalization;

namespace Toasted.Client.Autostart;

/// <summary>Whether toast may start the daemon when nothing answers, how long it waits for it, and
/// where the started daemon's output goes. Opt out with <c>--no-autostart</c> or
/// <c>TOAST_NO_AUTOSTART=1</c>; <c>TOAST_AUTOSTART_TIMEOUT</c> is the wait in seconds.</summary>
public sealed record AutostartSettings(bool Enabled, TimeSpan Timeout, string LogFile)
{
    public const string DisableVariable = "TOAST_NO_AUTOSTART";
    public const string TimeoutVariable = "TOAST_AUTOSTART_TIMEOUT";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static AutostartSettings From(bool noAutostartFlag, Func<string, string?> environment)
    {
        var disabled = noAutostartFlag || environment(DisableVariable) is { Length: > 0 } value && value != "0";
        var timeout = DefaultTimeout;
        if (environment(TimeoutVariable) is { Length: > 0 } seconds)
        {
            if (!double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed)
                || parsed <= 0 || parsed > 86_400)
                throw new UsageException($"{TimeoutVariable} needs a number of seconds from 0 to 86400, not '{seconds}'");
            timeout = TimeSpan.FromSeconds(parsed);
        }
        return new AutostartSettings(!disabled, timeout, DefaultLogFile(environment));
    }

    /// <summary>Where the service's log goes too (docs/service.md): <c>$XDG_STATE_HOME/toasted/toasted.log</c>
    /// or <c>~/.local/state/toasted/toasted.log</c>; on macOS <c>~/Library/Logs/toasted/toasted.log</c>.</summary>
    public static string DefaultLogFile(Func<string, string?> environment)
    {
        var home = environment("HOME") is { Length: > 0 } fromEnvironment ? fromEnvironment : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Logs", "toasted", "toasted.log");
        var stateHome = environment("XDG_STATE_HOME") is { Length: > 0 } state && Path.IsPathRooted(state) ? state : Path.Combine(home, ".local", "state");
        return Path.Combine(stateHome, "toasted", "toasted.log");
    }
}
