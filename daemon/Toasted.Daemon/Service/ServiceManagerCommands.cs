using System.Diagnostics;
using System.Globalization;
using Toasted.Daemon.Transport;

namespace Toasted.Daemon.Service;

/// <summary>The systemctl and launchctl commands that load, start, stop and unload the service, as
/// argument lists (to run) and as text (to print).</summary>
public static class ServiceManagerCommands
{
    public static IReadOnlyList<string[]> Start(ServicePlatform platform, ServicePaths paths) => platform == ServicePlatform.Linux
        ? [["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", ServicePaths.SystemdUnitName]]
        : [["launchctl", "bootstrap", Domain, paths.ServiceFile]];

    public static IReadOnlyList<string[]> Stop(ServicePlatform platform) => platform == ServicePlatform.Linux
        ? [["systemctl", "--user", "disable", "--now", ServicePaths.SystemdUnitName]]
        : [["launchctl", "bootout", Domain + "/" + ServicePaths.LaunchdLabel]];

    /// <summary>After the unit file is gone, so systemd forgets it.</summary>
    public static IReadOnlyList<string[]> AfterRemoval(ServicePlatform platform) => platform == ServicePlatform.Linux
        ? [["systemctl", "--user", "daemon-reload"]]
        : [];

    /// <summary>The commands joined as a shell line, the way a person would type them.</summary>
    public static string Describe(IEnumerable<string[]> commands) =>
        string.Join(" && ", commands.Select(command => string.Join(' ', command.Select(ShellWord))));

    /// <summary>True when this machine runs the platform's service manager for this user: systemd as
    /// init with a user manager, or launchd.</summary>
    public static bool Reachable(ServicePlatform platform, Func<string, string?> environment)
    {
        if (platform == ServicePlatform.MacOS) return OperatingSystem.IsMacOS();
        return OperatingSystem.IsLinux()
            && Directory.Exists("/run/systemd/system")
            && environment("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
            && Path.Exists(Path.Combine(runtime, "systemd", "private"));
    }

    /// <summary>Runs each command in turn, echoing it; stops at the first failure unless told to go on.</summary>
    public static bool Run(IEnumerable<string[]> commands, TextWriter output, TextWriter error, bool continueOnFailure = false)
    {
        var allSucceeded = true;
        foreach (var command in commands)
        {
            output.WriteLine("$ " + Describe([command]));
            var info = new ProcessStartInfo(command[0]) { UseShellExecute = false };
            foreach (var argument in command.Skip(1)) info.ArgumentList.Add(argument);
            try
            {
                using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + command[0]);
                process.WaitForExit();
                if (process.ExitCode == 0) continue;
                error.WriteLine($"toasted: {command[0]} exited with code {process.ExitCode}");
            }
            catch (System.ComponentModel.Win32Exception exception)
            {
                error.WriteLine($"toasted: cannot run {command[0]}: {exception.Message}");
            }
            allSucceeded = false;
            if (!continueOnFailure) return false;
        }
        return allSucceeded;
    }

    private static string Domain => "gui/" + PeerCredentials.CurrentUserId.ToString(CultureInfo.InvariantCulture);

    private static string ShellWord(string word) =>
        word.All(character => char.IsAsciiLetterOrDigit(character) || "/._-+=:@".Contains(character)) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
