using Toasted.Daemon.Configuration;

namespace Toasted.Daemon.Hosting;

/// <summary>What the command line asks for.</summary>
public enum DaemonCommand { Serve, FindModel, Help, Version }

/// <summary>The parsed command line: a command and, for serving, the settings.</summary>
public sealed record ParsedCommandLine(DaemonCommand Command, string? ModelArgument, string? FallbackModel, DaemonSettings? Settings)
{
    /// <summary>For serving: the resolved configuration and the flags it came from, which a reload resolves again.</summary>
    public ResolvedConfiguration? Configuration { get; init; }
    public SettingArguments? Arguments { get; init; }
}

/// <summary>Thrown for a command line that cannot be run; the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>toasted's command line (docs/cli.md); the settings flags are resolved with the config file
/// and environment by <see cref="SettingsResolver"/> (docs/config.md).</summary>
public static class CommandLine
{
    public const string HelpText = """
        usage: toasted --model PATH|auto [--socket PATH] [--threads N] [--context N] [--queue N]
                       [--fallback-model PATH] [--slots 1] [--write-timeout-ms N] [--log-level LEVEL]
                       [--config PATH]
               [--log-file PATH]
               toasted config [--config PATH] [flags]
               toasted install [--model PATH] [--config PATH] [--no-start] [--dry-run] | toasted uninstall
               toasted find-model [FALLBACK_PATH]
               toasted bench -m MODEL [-p N] [-n N] [-d N] [-r N] [-t N] [-o md|json|jsonl]
               toasted perplexity -m MODEL -f TEXT [-c N] [--chunks K] [-b N] [-t N]
               toasted info MODEL [--json]
               toasted --help | --version

        Serves one GGUF model on a Unix socket for `toast` and other clients (wire protocol v1).

          -m, --model PATH       the GGUF file to load; `auto` finds one (see find-model)
                                 (env TOASTED_MODEL)
              --fallback-model PATH
                                 with --model auto: the file to use when discovery finds none
              --socket PATH      where to listen (env TOASTED_SOCKET; default
                                 $XDG_RUNTIME_DIR/toasted/toasted.sock, else /tmp/toasted-$UID/toasted.sock)
              --threads N        compute threads (default: one per core)
              --context N        context length per generation (default: the model's, at most 4096)
              --queue N          requests that may wait for the inference slot (default 64)
              --slots N          generations at once (only 1 for now)
              --write-timeout-ms N
                                 cut off a client that leaves a frame unread this long (default 30000)
              --log-level LEVEL  trace, debug, information (default), warning, error, critical, none
              --log-file PATH    append the log (stdout and stderr) to this file
              --config PATH      the config file (env TOASTED_CONFIG; default
                                 $XDG_CONFIG_HOME/toasted/config.toml or ~/.config/toasted/config.toml)
          -h, --help             this text
              --version          the version

        bench, perplexity and info run once and exit; `toasted COMMAND --help` describes each.
        Every flag has a TOASTED_* variable and a config file key; flags win over variables, variables
        over the file. `toasted config` prints the result and where each value came from (docs/config.md).
        find-model prints the path of the model `--model auto` would load: $TOASTED_MODEL, else a
        GGUF in the Hugging Face hub cache, else an Ollama model blob, else FALLBACK_PATH.
        Stop the daemon with SIGTERM or Ctrl-C: running requests end with error `cancelled`. SIGHUP
        reloads the configuration. install and uninstall set it up as a per-user service (docs/service.md).
        """;

    public static ParsedCommandLine Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        if (args.Count > 0 && args[0] == "find-model")
        {
            if (args.Count > 2) throw new UsageException("find-model takes at most one argument: the fallback path");
            return new ParsedCommandLine(DaemonCommand.FindModel, null, args.Count == 2 ? args[1] : null, null);
        }

        var arguments = SettingArguments.Parse(args);
        if (arguments.HelpRequested) return new ParsedCommandLine(DaemonCommand.Help, null, null, null);
        if (arguments.VersionRequested) return new ParsedCommandLine(DaemonCommand.Version, null, null, null);

        var configuration = SettingsResolver.Resolve(arguments, environment, OperatingSystem.IsMacOS());
        var settings = DaemonSettings.From(configuration);
        return new ParsedCommandLine(DaemonCommand.Serve, settings.ModelPath, configuration[SettingsSchema.FallbackModel].Value, settings)
        {
            Configuration = configuration,
            Arguments = arguments,
        };
    }
}
