using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Service;

/// <summary><c>toasted uninstall</c>: stops the service, removes the file <c>toasted install</c> wrote,
/// and leaves the log. Exit 0 (also when nothing was installed); 2 for a bad command line.</summary>
public static class UninstallCommand
{
    private const int Failure = 1;
    private const int UsageError = 2;

    public const string HelpText = """
        usage: toasted uninstall [--no-start] [--dry-run] [--platform linux|macos]

        Stops the per-user service and removes what `toasted install` wrote.
        Linux: systemctl --user disable --now toasted.service, removes
               ~/.config/systemd/user/toasted.service, systemctl --user daemon-reload
        macOS: launchctl bootout gui/$UID/dev.toasted.toasted, removes
               ~/Library/LaunchAgents/dev.toasted.toasted.plist

              --no-start       remove the file only; print the commands instead of running them
              --dry-run        say what would be done and do nothing
              --platform P     linux or macos (default: this machine)

        The log file is kept.
        """;

    public static int Run(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter output, TextWriter error)
    {
        ServiceArguments arguments;
        try
        {
            arguments = ServiceArguments.Parse(args, install: false);
        }
        catch (UsageException exception)
        {
            error.WriteLine("toasted uninstall: " + exception.Message);
            return UsageError;
        }
        if (arguments.HelpRequested)
        {
            output.WriteLine(HelpText);
            return 0;
        }

        var platform = arguments.Platform ?? (OperatingSystem.IsMacOS() ? ServicePlatform.MacOS : ServicePlatform.Linux);
        var paths = ServicePaths.For(platform, environment);
        var stop = ServiceManagerCommands.Stop(platform);
        var afterRemoval = ServiceManagerCommands.AfterRemoval(platform);
        if (arguments.DryRun)
        {
            output.WriteLine($"would run: {ServiceManagerCommands.Describe(stop)}");
            output.WriteLine($"would remove {paths.ServiceFile}");
            if (afterRemoval.Count > 0) output.WriteLine($"would run: {ServiceManagerCommands.Describe(afterRemoval)}");
            return 0;
        }

        var isThisMachine = platform == (OperatingSystem.IsMacOS() ? ServicePlatform.MacOS : ServicePlatform.Linux);
        var manage = !arguments.NoStart && isThisMachine && ServiceManagerCommands.Reachable(platform, environment);
        // Not loaded is fine: the goal is that it no longer runs.
        if (manage) ServiceManagerCommands.Run(stop, output, error, continueOnFailure: true);

        if (!File.Exists(paths.ServiceFile))
        {
            output.WriteLine($"not installed: {paths.ServiceFile} does not exist");
            return 0;
        }
        try
        {
            File.Delete(paths.ServiceFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"toasted uninstall: cannot remove {paths.ServiceFile}: {exception.Message}");
            return Failure;
        }
        output.WriteLine($"removed {paths.ServiceFile}");
        RemoveIfEmpty(Path.GetDirectoryName(paths.LogFile)!);
        if (manage) ServiceManagerCommands.Run(afterRemoval, output, error);
        else output.WriteLine("if it is running, stop it with: " + ServiceManagerCommands.Describe(stop));
        if (File.Exists(paths.LogFile)) output.WriteLine($"the log stays at {paths.LogFile}");
        return 0;
    }

    /// <summary>The log folder install made; kept when it holds a log.</summary>
    private static void RemoveIfEmpty(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException)
        {
            // Something appeared in it meanwhile: then it stays.
        }
    }
}
