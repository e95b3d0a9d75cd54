using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Toasted.Protocol;
using Toasted.Protocol.Admin;
using Toasted.Protocol.Client;

namespace Toasted.Client.Status;

/// <summary>
/// <c>toast status</c>: reads the snapshot the admin socket sends on connect and prints it; exit 0
/// only when the daemon is ready. With <c>--watch</c> it goes on printing events until SIGINT (130)
/// or until the daemon goes away (3).
/// </summary>
public static class StatusCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        StatusOptions options;
        try
        {
            options = StatusArguments.Parse(args);
        }
        catch (UsageException exception)
        {
            return Fail(ExitCodes.Usage, exception.Message);
        }
        if (options.ShowHelp)
        {
            Console.Out.Write(StatusHelpText.Usage + "\n");
            return ExitCodes.Ok;
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

        var adminPath = AdminSocketLocation.For(SocketLocation.Resolve(options.SocketPath));
        try
        {
            await using var connection = await AdminConnection.ConnectAsync(adminPath, cancellation.Token).ConfigureAwait(false);
            if (await connection.ReadAsync(cancellation.Token).ConfigureAwait(false) is not { Frame: SnapshotFrame snapshot } first)
                return Fail(ExitCodes.DaemonUnavailable, $"toasted closed the admin connection without a snapshot ({adminPath}); is it another user's daemon?");
            await WriteAsync(options.Json ? first.Line : Encoding.UTF8.GetBytes(SnapshotText.Format(snapshot)), options.Json, cancellation.Token).ConfigureAwait(false);
            if (!options.Watch)
                return snapshot.State == DaemonStates.Ready ? ExitCodes.Ok : ExitCodes.DaemonUnavailable;

            while (await connection.ReadAsync(cancellation.Token).ConfigureAwait(false) is { } reading)
            {
                if (options.Json) await WriteAsync(reading.Line, newLine: true, cancellation.Token).ConfigureAwait(false);
                else if (reading.Frame is { } frame) await WriteAsync(Encoding.UTF8.GetBytes(EventText.Format(frame)), newLine: true, cancellation.Token).ConfigureAwait(false);
            }
            return Fail(ExitCodes.DaemonUnavailable, "toasted stopped");
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return signalExitCode != 0 ? signalExitCode : ExitCodes.Interrupted;
        }
        catch (DaemonUnavailableException exception)
        {
            return Fail(ExitCodes.DaemonUnavailable, exception.Message + "; start it with: toasted --model PATH");
        }
        catch (ProtocolException exception)
        {
            return Fail(ExitCodes.Internal, $"bad admin frame from the daemon: {exception.Message}");
        }
        catch (StandardOutputClosedException)
        {
            return ExitCodes.BrokenPipe;
        }
        catch (IOException exception)
        {
            var reason = exception.InnerException is SocketException socketError ? socketError.SocketErrorCode.ToString() : exception.Message;
            return Fail(ExitCodes.DaemonUnavailable, $"lost the connection to toasted ({reason})");
        }
    }

    private static async Task WriteAsync(byte[] bytes, bool newLine, CancellationToken cancellationToken)
    {
        try
        {
            var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            if (newLine) await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
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
