using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Configuration;

/// <summary><c>toasted config [--config PATH] [flags]</c>: prints the effective configuration and where
/// each value came from. Exit 0, or 2 with the problem on stderr when the configuration is invalid.</summary>
public static class ConfigCommand
{
    private const int UsageError = 2;

    public const string HelpText = """
        usage: toasted config [--config PATH] [flags]

        Prints the configuration toasted would run with: one `key = value` line per setting, in
        TOML (the output is itself a valid config file), each followed by where the value came
        from: `# default`, `# file PATH:LINE`, `# env TOASTED_X` or `# flag --x`. Takes the same
        flags as toasted itself. Exit 0, or 2 when the configuration is invalid.
        See docs/config.md for every setting.
        """;

    public static int Run(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter output, TextWriter error)
    {
        try
        {
            var arguments = SettingArguments.Parse(args);
            if (arguments.HelpRequested || arguments.VersionRequested)
            {
                output.WriteLine(HelpText);
                return 0;
            }
            var configuration = SettingsResolver.Resolve(arguments, environment, OperatingSystem.IsMacOS());
            EffectiveConfigurationWriter.Write(configuration, output);
            return 0;
        }
        catch (Exception exception) when (exception is UsageException or ConfigurationFileException)
        {
            error.WriteLine("toasted config: " + exception.Message);
            return UsageError;
        }
    }
}
