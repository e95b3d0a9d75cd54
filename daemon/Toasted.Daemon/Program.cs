using Microsoft.Extensions.Hosting;
using Toasted.Daemon.Benchmarking;
using Toasted.Daemon.ModelInfo;
using Toasted.Daemon.Perplexity;
using Toasted.Daemon.Configuration;
using Toasted.Engine.Inference;
using Toasted.Daemon.Hosting;
using Toasted.Daemon.Inference;
using Toasted.Daemon.Lifecycle;
using Toasted.Daemon.Service;
using Toasted.Daemon.Store;
using Toasted.Daemon.Transport;
using Toasted.Protocol;

namespace Toasted.Daemon;

/// <summary>toasted: exit 0 after a clean stop, 1 when it cannot start, 2 for a bad command line.</summary>
public static class Program
{
    private const int Failure = 1;
    private const int UsageError = 2;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "bench") return Bench(args[1..]);
        if (args.Length > 0 && args[0] == "perplexity") return Perplexity(args[1..]);
        if (args.Length > 0 && args[0] == "info") return Info(args[1..]);
        if (args.Length > 0 && args[0] == "install") return InstallCommand.Run(args[1..], Environment.GetEnvironmentVariable, Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "uninstall") return UninstallCommand.Run(args[1..], Environment.GetEnvironmentVariable, Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "config") return ConfigCommand.Run(args[1..], Environment.GetEnvironmentVariable, Console.Out, Console.Error);

        ParsedCommandLine command;
        try
        {
            command = CommandLine.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (Exception exception) when (exception is UsageException or ConfigurationFileException)
        {
            await Console.Error.WriteLineAsync("toasted: " + exception.Message).ConfigureAwait(false);
            return UsageError;
        }

        switch (command.Command)
        {
            case DaemonCommand.Help:
                Console.Out.WriteLine(CommandLine.HelpText);
                return 0;
            case DaemonCommand.Version:
                Console.Out.WriteLine($"toasted {ProductInfo.Version} (wire protocol {WireProtocol.Version})");
                return 0;
            case DaemonCommand.FindModel:
                return FindModel(command.FallbackModel);
        }

        var settings = command.Settings!;
        SessionDetachment.DetachIfAsked(Environment.GetEnvironmentVariable);
        if (settings.LogFile is { } logFile)
        {
            try
            {
                LogFileRedirection.Apply(logFile);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"toasted: cannot open the log file {logFile}: {exception.Message}").ConfigureAwait(false);
                return Failure;
            }
        }
        if (settings.ModelPath == "auto")
        {
            if (new ModelDiscovery(Environment.GetEnvironmentVariable).Find(command.FallbackModel) is not { } found)
            {
                await Console.Error.WriteLineAsync("toasted: no model found (set TOASTED_MODEL, or pass --model PATH)").ConfigureAwait(false);
                return Failure;
            }
            await Console.Error.WriteLineAsync($"toasted: using {found.Path} (from {found.Source})").ConfigureAwait(false);
            settings = settings with { ModelPath = found.Path };
        }

        try
        {
            // Before loading the model: a second daemon on the same socket should fail in milliseconds.
            SocketFile.EnsurePrivateFolder(Path.GetDirectoryName(settings.SocketPath)!, settings.SocketPathExplicit);
            SocketFile.EnsureNotServed(settings.SocketPath);
            using var host = DaemonHost.Build(settings, new ConfigurationReloadSource(command.Arguments!, Environment.GetEnvironmentVariable, command.Configuration!));
            await host.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is ModelStartupException or SocketInUseException or SocketFolderException)
        {
            await Console.Error.WriteLineAsync("toasted: " + exception.Message).ConfigureAwait(false);
            return Failure;
        }
    }

    private static int Bench(string[] args) =>
        RunOnce("bench", BenchOptions.HelpText, args, () => BenchCommand.Run(BenchOptions.Parse(args), Console.Out, Console.Error));

    private static int Perplexity(string[] args) =>
        RunOnce("perplexity", PerplexityArguments.HelpText, args, () => PerplexityCommand.Run(PerplexityArguments.Parse(args), Console.Out, Console.Error));

    private static int Info(string[] args) =>
        RunOnce("info", ModelInfoArguments.HelpText, args, () => ModelInfoCommand.Run(ModelInfoArguments.Parse(args), Console.Out));

    /// <summary>
    /// A command that runs once and exits: its help on -h, else its exit code; a bad command line
    /// is exit 2, and a model file that cannot be read, parsed or run is exit 1, each with one line
    /// on stderr naming the command.
    /// </summary>
    private static int RunOnce(string command, string helpText, string[] args, Func<int> run)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            Console.Out.WriteLine(helpText);
            return 0;
        }
        try
        {
            return run();
        }
        catch (UsageException exception)
        {
            Console.Error.WriteLine($"toasted {command}: {exception.Message}");
            return UsageError;
        }
        catch (Exception exception) when (exception is ModelLoadException or Toasted.Engine.Gguf.GgufFormatException
                                          or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"toasted {command}: {exception.Message}");
            return Failure;
        }
    }

    private static int FindModel(string? fallback)
    {
        if (new ModelDiscovery(Environment.GetEnvironmentVariable).Find(fallback) is not { } found)
        {
            Console.Error.WriteLine("toasted: no model found: set TOASTED_MODEL, put a GGUF in the Hugging Face cache "
                + "or the Ollama store, or pass a fallback path");
            return Failure;
        }
        Console.Error.WriteLine($"toasted: found {found.Path} (from {found.Source})");
        Console.Out.WriteLine(found.Path);
        return 0;
    }
}
