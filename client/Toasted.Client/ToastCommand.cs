using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Toasted.Client.Autostart;
using Toasted.Protocol;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;

namespace Toasted.Client;

/// <summary>
/// One run of toast: parse, read the input, send one request, stream the answer, exit with a code
/// that says how it went. SIGINT/SIGTERM close the connection, which cancels the request on the daemon.
/// </summary>
public static class ToastCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        ClientOptions options;
        string input;
        try
        {
            options = ArgumentParser.Parse(args);
            if (options.ShowHelp)
            {
                Console.Out.Write(HelpText.Usage + "\n");
                return ExitCodes.Ok;
            }
            if (options.ShowVersion)
            {
                Console.Out.Write($"toast {ProductInfo.Version} (wire protocol {WireProtocol.Version})\n");
                return ExitCodes.Ok;
            }
            input = InputReader.Read(options.Files, stdinIsTerminal: !Console.IsInputRedirected);
        }
        catch (UsageException exception)
        {
            return Fail(ExitCodes.Usage, exception.Message);
        }

        GenerateRequest request;
        AutostartSettings autostart;
        try
        {
            request = PromptAssembly.Build(options, input, id: "toast-" + Environment.ProcessId);
            autostart = AutostartSettings.From(options.NoAutostart, Environment.GetEnvironmentVariable);
        }
        catch (UsageException exception)
        {
            return Fail(ExitCodes.Usage, exception.Message);
        }

        using var cancellation = new CancellationTokenSource();
        var signalExitCode = 0;
        void OnSignal(PosixSignalContext context, int exitCode)
        {
            context.Cancel = true; // We exit ourselves, after closing the connection.
            Interlocked.CompareExchange(ref signalExitCode, exitCode, 0);
            cancellation.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, ExitCodes.Interrupted));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, ExitCodes.Terminated));

        try
        {
            var socketPath = SocketLocation.Resolve(options.SocketPath);
            // With no daemon answering, toast starts one (docs/service.md) unless told not to.
            var progress = Console.IsErrorRedirected ? null : Console.Error;
            await using var connection = await DaemonAutostart.ConnectAsync(socketPath, autostart, progress, cancellation.Token).ConfigureAwait(false);
            await connection.SendAsync(request, cancellation.Token).ConfigureAwait(false);
            return await ReceiveAsync(connection, options.Json, cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return signalExitCode != 0 ? signalExitCode : ExitCodes.Interrupted;
        }
        catch (DaemonUnavailableException exception)
        {
            return Fail(ExitCodes.DaemonUnavailable, exception.Message + "; start it with: toasted --model PATH");
        }
        catch (AutostartFailedException exception)
        {
            return Fail(ExitCodes.DaemonUnavailable, "could not start toasted: " + exception.Message);
        }
        catch (ProtocolException exception)
        {
            return Fail(ExitCodes.Internal, $"bad frame from the daemon: {exception.Message}");
        }
        catch (StandardOutputClosedException)
        {
            // Our reader went away (e.g. `| head`); closing the connection cancels the generation.
            return ExitCodes.BrokenPipe;
        }
        catch (IOException exception)
        {
            // With trimmed resources the message is a resource key; the socket error names the cause.
            var reason = exception.InnerException is System.Net.Sockets.SocketException socketError ? socketError.SocketErrorCode.ToString() : exception.Message;
            return Fail(ExitCodes.DaemonUnavailable, $"lost the connection to toasted ({reason})");
        }
    }

    private static async Task<int> ReceiveAsync(ToastedConnection connection, bool json, CancellationToken cancellationToken)
    {
        // Not Console.OpenStandardOutput(): its stream swallows EPIPE, so a closed reader (`| head`)
        // would go unnoticed and the generation would run on; a plain stream on fd 1 reports it.
        await using var stdout = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        var collected = json ? new StringBuilder() : null;
        var stderrIsTerminal = !Console.IsErrorRedirected;
        await foreach (var frame in connection.ReadResponsesAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (frame)
            {
                case TokenFrame token when collected is not null:
                    collected.Append(token.Text);
                    break;
                case TokenFrame token:
                    // Each frame is whole UTF-8 characters, so the stream stays valid UTF-8 at every flush.
                    await WriteOutAsync(stdout, Encoding.UTF8.GetBytes(token.Text), cancellationToken).ConfigureAwait(false);
                    break;
                case QueuedFrame queued when stderrIsTerminal:
                    await Console.Error.WriteLineAsync($"toast: waiting for the model ({queued.Position} ahead)").ConfigureAwait(false);
                    break;
                case ProgressFrame progress when stderrIsTerminal:
                    await Console.Error.WriteLineAsync($"toast: reading the input ({progress.Done}/{progress.Total} tokens)").ConfigureAwait(false);
                    break;
                case DoneFrame done when collected is not null:
                    var summary = new CompletionSummary { Text = collected.ToString(), StopReason = done.StopReason, Usage = done.Usage, Timings = done.Timings };
                    var line = JsonSerializer.SerializeToUtf8Bytes(summary, ClientJsonContext.Default.CompletionSummary);
                    await WriteOutAsync(stdout, [.. line, (byte)'\n'], cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case DoneFrame:
                    return ExitCodes.Ok;
                case ErrorFrame error:
                    return Fail(ExitCodeOf(error.Code), Describe(error));
            }
        }
        return Fail(ExitCodes.DaemonUnavailable, "toasted closed the connection before the answer was complete");
    }

    private static int ExitCodeOf(string code) => code switch
    {
        ErrorCodes.QueueFull => ExitCodes.QueueFull,
        ErrorCodes.ContextOverflow or ErrorCodes.FrameTooLarge => ExitCodes.ContextOverflow,
        ErrorCodes.ModelUnavailable => ExitCodes.ModelError,
        ErrorCodes.InvalidRequest => ExitCodes.Usage,
        // The daemon cancels only when it is stopping: it is going away.
        ErrorCodes.Cancelled => ExitCodes.DaemonUnavailable,
        _ => ExitCodes.Internal,
    };

    private static string Describe(ErrorFrame error) => error.Code switch
    {
        ErrorCodes.ContextOverflow =>
            $"the input does not fit: {error.Message} (prompt_tokens={error.PromptTokens}, requested_tokens={error.RequestedTokens}, context_length={error.ContextLength})",
        _ => $"{error.Code}: {error.Message}",
    };

    private static async Task WriteOutAsync(Stream stdout, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await stdout.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            throw new StandardOutputClosedException(exception);
        }
    }

    /// <summary>Writing to stdout failed: whoever read it has gone.</summary>
    private sealed class StandardOutputClosedException(IOException inner) : Exception("stdout is closed", inner);

    private static int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine("toast: " + message);
        return exitCode;
    }
}
