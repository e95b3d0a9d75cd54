using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;

namespace Toasted.Tests.Shared;

/// <summary>
/// A real <c>toasted</c> process on a model, listening on a socket in a fresh private temp folder.
/// Start waits (bounded) until the socket accepts a connection. Dispose sends SIGTERM, then kills
/// if it has not exited, and removes the folder.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private DaemonProcess(Process process, string folder, string socketPath)
    {
        _process = process;
        Folder = folder;
        SocketPath = socketPath;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The temp folder holding the socket's folder; removed on dispose.</summary>
    public string Folder { get; }

    /// <summary><c>Folder/run/toasted.sock</c>: the daemon creates <c>run</c> itself.</summary>
    public string SocketPath { get; }

    /// <summary>The admin socket the daemon opens beside <see cref="SocketPath"/>: by protocol.md §8.1 a
    /// trailing <c>.sock</c> becomes <c>.admin.sock</c>.</summary>
    public string AdminSocketPath => Path.Combine(Path.GetDirectoryName(SocketPath)!, "toasted.admin.sock");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the daemon wrote so far (its log goes to stderr).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Starts toasted on <paramref name="modelPath"/>. When it exits before listening because the
    /// engine is still a stub (NotImplementedException), the test is skipped with that reason; any other
    /// early exit fails it with the daemon's log.</summary>
    public static async Task<DaemonProcess> StartAsync(string modelPath, IEnumerable<string>? extraArguments = null)
    {
        var daemon = Launch(modelPath, extraArguments);
        await daemon.WaitUntilListeningAsync().ConfigureAwait(false);
        return daemon;
    }

    /// <summary>Starts toasted without waiting for it, for tests that watch it load.</summary>
    public static DaemonProcess Launch(string modelPath, IEnumerable<string>? extraArguments = null)
    {
        var folder = Directory.CreateTempSubdirectory("toasted-test-").FullName;
        var socketPath = Path.Combine(folder, "run", "toasted.sock");
        var info = new ProcessStartInfo(BuiltBinaries.Toasted)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--model", modelPath, "--socket", socketPath }.Concat(extraArguments ?? []))
            info.ArgumentList.Add(argument);
        info.Environment.Remove("TOASTED_SOCKET");
        info.Environment.Remove("TOASTED_MODEL");

        return new DaemonProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start toasted"), folder, socketPath);
    }

    /// <summary>Waits (bounded) until the main socket accepts a connection; fails the test with the log otherwise.</summary>
    public async Task WaitUntilListeningAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync().ConfigureAwait(false);
                var log = Log;
                await DisposeAsync().ConfigureAwait(false);
                if (log.Contains("NotImplementedException", StringComparison.Ordinal))
                    Assert.Ignore("needs the inference engine, which is not implemented in this build yet (toasted: " + FirstLineWith(log, "toasted:") + ")");
                Assert.Fail($"toasted exited with code {_process.ExitCode} before listening:\n{log}");
            }
            if (File.Exists(SocketPath) && CanConnect(SocketPath)) return;
            await Task.Delay(25).ConfigureAwait(false);
        }
        var timedOutLog = Log;
        await DisposeAsync().ConfigureAwait(false);
        Assert.Fail($"toasted did not listen on {SocketPath} within {StartTimeout}:\n{timedOutLog}");
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited) PosixSignals.Send(_process.Id, PosixSignals.SIGTERM);
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash would end it: the socket file stays behind.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public static bool CanConnect(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    await TerminateAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static string FirstLineWith(string text, string marker) =>
        text.Split('\n').FirstOrDefault(line => line.StartsWith(marker, StringComparison.Ordinal))?.Trim() ?? "";
}
