using System.Globalization;
using Toasted.Protocol;

namespace Toasted.Daemon.Hosting;

/// <summary>What the command line asks for.</summary>
public enum DaemonCommand { Serve, FindModel, Help, Version }

/// <summary>The parsed command line: a command and, for serving, the settings.</summary>
public sealed record ParsedCommandLine(DaemonCommand Command, string? ModelArgument, string? FallbackModel, DaemonSettings? Settings);

/// <summary>Thrown for a command line that cannot be run; the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Hand-written parsing of toasted's small command line (docs/cli.md).</summary>
public static class CommandLine
{
    public const string ModelEnvironmentVariable = "TOASTED_MODEL";

    public const string HelpText = """
        usage: toasted --model PATH|auto [--socket PATH] [--threads N] [--context N] [--queue N]
                       [--write-timeout SECONDS] [--fallback-model PATH]
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
              --write-timeout SECONDS
                                 a client that takes longer to accept one frame is cut off (default 10)
          -h, --help             this text
              --version          the version

        bench, perplexity and info run once and exit; `toasted COMMAND --help` describes each.
        find-model prints the path of the model `--model auto` would load: $TOASTED_MODEL, else a
        GGUF in the Hugging Face hub cache, else an Ollama model blob, else FALLBACK_PATH.
        Stop the daemon with SIGTERM or Ctrl-C: running requests end with error `cancelled`.
        """;

    public static ParsedCommandLine Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        if (args.Count > 0 && args[0] == "find-model")
        {
            if (args.Count > 2) throw new UsageException("find-model takes at most one argument: the fallback path");
            return new ParsedCommandLine(DaemonCommand.FindModel, null, args.Count == 2 ? args[1] : null, null);
        }

        string? model = null, socket = null, fallback = null;
        int threads = 0, context = 0, queue = 64;
        int? writeTimeoutSeconds = null;
        for (var index = 0; index < args.Count; index++)
        {
            var (name, inlineValue) = SplitInlineValue(args[index]);
            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (index + 1 >= args.Count) throw new UsageException($"{name} needs a value");
                return args[++index];
            }
            switch (name)
            {
                case "-h" or "--help": return new ParsedCommandLine(DaemonCommand.Help, null, null, null);
                case "--version": return new ParsedCommandLine(DaemonCommand.Version, null, null, null);
                case "-m" or "--model": model = Value(); break;
                case "--fallback-model": fallback = Value(); break;
                case "--socket": socket = Value(); break;
                case "--threads": threads = PositiveInteger(name, Value(), allowZero: true); break;
                case "--context": context = PositiveInteger(name, Value(), allowZero: true); break;
                case "--queue": queue = PositiveInteger(name, Value(), allowZero: false); break;
                case "--write-timeout": writeTimeoutSeconds = PositiveInteger(name, Value(), allowZero: false); break;
                default: throw new UsageException($"unknown argument '{args[index]}' (see toasted --help)");
            }
        }

        model ??= environment(ModelEnvironmentVariable);
        if (string.IsNullOrEmpty(model))
            throw new UsageException("no model: pass --model PATH (or --model auto), or set TOASTED_MODEL");

        var socketPath = socket ?? environment(SocketLocation.EnvironmentVariable);
        var settings = new DaemonSettings
        {
            ModelPath = model,
            SocketPath = SocketLocation.Resolve(socketPath),
            SocketPathExplicit = !string.IsNullOrEmpty(socketPath),
            Threads = threads,
            ContextLength = context,
            QueueCapacity = queue,
        };
        if (writeTimeoutSeconds is { } seconds) settings = settings with { WriteTimeout = TimeSpan.FromSeconds(seconds) };
        return new ParsedCommandLine(DaemonCommand.Serve, model, fallback, settings);
    }

    private static (string Name, string? InlineValue) SplitInlineValue(string argument)
    {
        if (!argument.StartsWith("--", StringComparison.Ordinal)) return (argument, null);
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (argument, null) : (argument[..equals], argument[(equals + 1)..]);
    }

    private static int PositiveInteger(string name, string text, bool allowZero)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || (value == 0 && !allowZero))
            throw new UsageException($"{name} needs a {(allowZero ? "non-negative" : "positive")} integer, not '{text}'");
        return value;
    }
}
