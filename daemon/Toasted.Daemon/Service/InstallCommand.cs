using Toasted.Daemon.Configuration;
using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Service;

/// <summary>
/// <c>toasted install</c>: writes the per-user service definition that runs this toasted (a systemd
/// --user unit on Linux, a launchd LaunchAgent on macOS), then loads and starts it when the service
/// manager is reachable. Exit 0; 1 when the service manager refuses; 2 for a bad command line or
/// configuration.
/// </summary>
public static class InstallCommand
{
    private const int Failure = 1;
    private const int UsageError = 2;
    private const UnixFileMode ServiceFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const string HelpText = """
        usage: toasted install [--model PATH] [--config PATH] [--no-start] [--dry-run] [--platform linux|macos]

        Runs toasted as a service of the current user, started at login and again after a failure.
        Linux: writes ~/.config/systemd/user/toasted.service, then runs
               systemctl --user daemon-reload && systemctl --user enable --now toasted.service
        macOS: writes ~/Library/LaunchAgents/dev.toasted.toasted.plist, then runs
               launchctl bootstrap gui/$UID ~/Library/LaunchAgents/dev.toasted.toasted.plist

          -m, --model PATH     the model the service loads (default: the config file's `model`,
                               or $TOASTED_MODEL as it is now)
              --config PATH    the config file the service reads (default: the usual one)
              --no-start       write the file only; print the commands instead of running them
              --dry-run        print the file on stdout and write nothing
              --platform P     write for linux or macos (default: this machine)

        The service logs to ~/.local/state/toasted/toasted.log (macOS: ~/Library/Logs/toasted/toasted.log)
        unless the config sets log.file. `toasted uninstall` removes it. See docs/service.md.
        """;

    public static int Run(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter output, TextWriter error)
    {
        ServiceArguments arguments;
        ServiceDefinition service;
        ServicePlatform platform;
        ServicePaths paths;
        try
        {
            arguments = ServiceArguments.Parse(args, install: true);
            if (arguments.HelpRequested)
            {
                output.WriteLine(HelpText);
                return 0;
            }
            platform = arguments.Platform ?? (OperatingSystem.IsMacOS() ? ServicePlatform.MacOS : ServicePlatform.Linux);
            paths = ServicePaths.For(platform, environment);
            service = Define(arguments, platform, paths, environment, error);
        }
        catch (Exception exception) when (exception is UsageException or ConfigurationFileException)
        {
            error.WriteLine("toasted install: " + exception.Message);
            return UsageError;
        }

        var text = platform == ServicePlatform.Linux ? SystemdUnitText.For(service) : LaunchAgentPlist.For(service);
        var start = ServiceManagerCommands.Start(platform, paths);
        if (arguments.DryRun)
        {
            output.Write(text);
            error.WriteLine($"toasted install: dry run; would write {paths.ServiceFile}, then run: {ServiceManagerCommands.Describe(start)}");
            return 0;
        }

        try
        {
            // launchd opens the log for the agent and does not create its folder.
            if (platform == ServicePlatform.MacOS) Directory.CreateDirectory(Path.GetDirectoryName(service.LogFile)!);
            AtomicFile.Write(paths.ServiceFile, text, ServiceFileMode);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"toasted install: cannot write {paths.ServiceFile}: {exception.Message}");
            return Failure;
        }
        output.WriteLine($"wrote {paths.ServiceFile}");
        output.WriteLine($"log: {service.LogFile}");

        var isThisMachine = platform == (OperatingSystem.IsMacOS() ? ServicePlatform.MacOS : ServicePlatform.Linux);
        if (arguments.NoStart || !isThisMachine || !ServiceManagerCommands.Reachable(platform, environment))
        {
            output.WriteLine("to start it now and at every login, run:");
            output.WriteLine("  " + ServiceManagerCommands.Describe(start));
            return 0;
        }
        // A LaunchAgent already loaded must be unloaded before launchd reads the new file.
        if (platform == ServicePlatform.MacOS) ServiceManagerCommands.Run(ServiceManagerCommands.Stop(platform), TextWriter.Null, TextWriter.Null);
        return ServiceManagerCommands.Run(start, output, error) ? 0 : Failure;
    }

    /// <summary>What the service runs. The model named here, or in $TOASTED_MODEL now, is written into
    /// the definition, since the service manager will not see this shell's environment.</summary>
    private static ServiceDefinition Define(ServiceArguments arguments, ServicePlatform platform, ServicePaths paths,
        Func<string, string?> environment, TextWriter error)
    {
        var executable = Environment.ProcessPath ?? throw new UsageException("cannot tell where the toasted executable is");
        var (configPath, configExplicit) = ConfigFileLocation.Choose(arguments.ConfigPath, environment, platform == ServicePlatform.MacOS);
        var configuration = SettingsResolver.Resolve(new SettingArguments([], configExplicit ? configPath : null, false, false), environment,
            platform == ServicePlatform.MacOS);

        var model = arguments.ModelPath
            ?? (environment(SettingsSchema.Model.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
        if (model is not null && model != "auto")
        {
            model = Path.GetFullPath(model);
            if (!File.Exists(model)) throw new UsageException($"model file not found: {model}");
        }
        if (model is null && configuration[SettingsSchema.Model].Value is null)
        {
            error.WriteLine($"toasted install: warning: no model configured; the service will not start until `model` is set in {configPath}"
                + " (or install again with --model PATH, or --model auto)");
        }

        var serviceArguments = new List<string>();
        if (configExplicit || File.Exists(configPath)) serviceArguments.AddRange([SettingsSchema.ConfigFileFlag, configPath]);
        if (model is not null) serviceArguments.AddRange([SettingsSchema.Model.Flag, model]);
        var logFile = configuration[SettingsSchema.LogFile].Value is { } configured ? Path.GetFullPath(configured) : paths.LogFile;
        // launchd appends the daemon's output to the log itself; systemd is told to leave it to the daemon.
        if (platform == ServicePlatform.Linux && configuration[SettingsSchema.LogFile].Value is null)
            serviceArguments.AddRange([SettingsSchema.LogFile.Flag, logFile]);
        return new ServiceDefinition { ExecutablePath = executable, Arguments = serviceArguments, LogFile = logFile };
    }
}
