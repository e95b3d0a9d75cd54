using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Service;

/// <summary>The command line of <c>toasted install</c> and <c>toasted uninstall</c>.</summary>
public sealed record ServiceArguments
{
    public string? ModelPath { get; init; }
    public string? ConfigPath { get; init; }
    public bool DryRun { get; init; }
    /// <summary>Write or remove the file only; do not tell the service manager.</summary>
    public bool NoStart { get; init; }
    /// <summary>The platform to write for; null: this machine's.</summary>
    public ServicePlatform? Platform { get; init; }
    public bool HelpRequested { get; init; }

    public static ServiceArguments Parse(IReadOnlyList<string> args, bool install)
    {
        var parsed = new ServiceArguments();
        for (var index = 0; index < args.Count; index++)
        {
            var argument = args[index];
            var equals = argument.StartsWith("--", StringComparison.Ordinal) ? argument.IndexOf('=', StringComparison.Ordinal) : -1;
            var name = equals > 0 ? argument[..equals] : argument;
            string Value()
            {
                if (equals > 0) return argument[(equals + 1)..];
                if (index + 1 >= args.Count) throw new UsageException($"{name} needs a value");
                return args[++index];
            }
            parsed = name switch
            {
                "-h" or "--help" => parsed with { HelpRequested = true },
                "-m" or "--model" when install => parsed with { ModelPath = NonEmpty(name, Value()) },
                "--config" when install => parsed with { ConfigPath = NonEmpty(name, Value()) },
                "--dry-run" => parsed with { DryRun = true },
                "--no-start" => parsed with { NoStart = true },
                "--platform" => parsed with { Platform = PlatformNamed(Value()) },
                _ => throw new UsageException($"unknown argument '{argument}' (see toasted {(install ? "install" : "uninstall")} --help)"),
            };
        }
        return parsed;
    }

    private static string NonEmpty(string name, string value) =>
        value.Length > 0 ? value : throw new UsageException($"{name} needs a non-empty value");

    private static ServicePlatform PlatformNamed(string value) => value switch
    {
        "linux" => ServicePlatform.Linux,
        "macos" => ServicePlatform.MacOS,
        _ => throw new UsageException($"--platform needs linux or macos, not '{value}'"),
    };
}
