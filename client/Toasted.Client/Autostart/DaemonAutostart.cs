using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Toasted.Protocol.Admin;
using Toasted.Protocol.Client;

namespace Toasted.Client.Autostart;

/// <summary>
/// Connects to the daemon, starting it first when nothing answers on the socket. Of several toasts
/// that find no daemon at once (<c>xargs -P</c>), the one holding an advisory lock on
/// <c>toasted.start.lock</c> beside the socket starts it; the others wait for the socket to answer,
/// and take the lock over if its holder gives up. The daemon runs detached from toast (its own
/// session, stdin from /dev/null, stdout and stderr appended to the log file) and takes its model
/// from its own configuration (TOASTED_MODEL, the config file's <c>model</c>).
/// </summary>
public static class DaemonAutostart
{
    public const string LockFileName = "toasted.start.lock";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task<ToastedConnection> ConnectAsync(string socketPath, AutostartSettings settings, TextWriter? progress,
        CancellationToken cancellationToken)
    {
        try
        {
            return await ToastedConnection.ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnavailableException) when (settings.Enabled)
        {
            await EnsureRunningAsync(socketPath, settings, progress, cancellationToken).ConfigureAwait(false);
            return await ToastedConnection.ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns once a daemon answers on <paramref name="socketPath"/>, starting one if no other toast does.</summary>
    public static async Task EnsureRunningAsync(string socketPath, AutostartSettings settings, TextWriter? progress,
        CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(socketPath)!;
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, PrivateFolder);
        var lockPath = Path.Combine(folder, LockFileName);
        var waited = Stopwatch.StartNew();
        FileStream? startLock = null;
        Process? started = null;
        long logStart = 0;
        var nextProgress = ProgressInterval;
        try
        {
            while (true)
            {
                if (Answers(socketPath))
                {
                    if (started is not null) progress?.WriteLine($"toast: toasted is ready ({waited.Elapsed.TotalSeconds:F1} s)");
                    return;
                }
                if (started is { HasExited: true })
                {
                    throw new AutostartFailedException($"toasted exited with code {started.ExitCode} before it listened"
                        + LogExcerpt(settings.LogFile, logStart));
                }
                if (started is null && (startLock = TryLock(lockPath)) is not null)
                {
                    // Another toast may have started it between our check and taking the lock.
                    if (Answers(socketPath)) return;
                    logStart = LogLength(settings.LogFile);
                    started = Launch(socketPath, settings.LogFile);
                    progress?.WriteLine($"toast: starting toasted (log: {settings.LogFile})");
                }
                if (started is not null && progress is not null && waited.Elapsed >= nextProgress)
                {
                    // A large model takes a while to map and warm up: show how far it is, from the admin socket.
                    var report = await LoadingReport.TryReadAsync(socketPath, cancellationToken).ConfigureAwait(false);
                    progress.WriteLine($"toast: toasted is {report ?? "loading the model"} ({waited.Elapsed.TotalSeconds:F0} s)");
                    nextProgress = waited.Elapsed + ProgressInterval;
                }
                if (waited.Elapsed > settings.Timeout)
                {
                    throw new AutostartFailedException($"toasted did not answer on {socketPath} within {settings.Timeout.TotalSeconds:0.#} s"
                        + $" (raise {AutostartSettings.TimeoutVariable} for a large model; log: {settings.LogFile})");
                }
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            startLock?.Dispose();
            started?.Dispose();
        }
    }

    /// <summary>The start lock, or null while another toast holds it. .NET takes an advisory
    /// <c>flock</c> for <see cref="FileShare.None"/>; the kernel drops it when the holder exits.</summary>
    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = PrivateFile,
            });
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Process Launch(string socketPath, string logFile)
    {
        var executable = DaemonExecutable.Find(Environment.GetEnvironmentVariable)
            ?? throw new AutostartFailedException($"cannot start it: no {DaemonExecutable.FileName} beside toast or on PATH");
        var logFolder = Path.GetDirectoryName(logFile)!;
        if (!Directory.Exists(logFolder)) Directory.CreateDirectory(logFolder, PrivateFolder);
        // The shell opens the log for appending and hands the daemon no descriptor of ours, so a pipe
        // toast writes to (`toast … | head`) closes when toast exits, not when the daemon does.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in new[] { "-c", "log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1", "sh", logFile,
                     executable, "--socket", socketPath })
            info.ArgumentList.Add(argument);
        info.Environment["TOASTED_DETACH"] = "1";
        try
        {
            return Process.Start(info) ?? throw new AutostartFailedException("cannot start " + executable);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new AutostartFailedException($"cannot start {executable}: {exception.Message}");
        }
    }

    private static bool Answers(string socketPath)
    {
        if (!File.Exists(socketPath)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static long LogLength(string logFile) => File.Exists(logFile) ? new FileInfo(logFile).Length : 0;

    /// <summary>The last lines the daemon wrote to its log during this start, to say why it stopped.</summary>
    private static string LogExcerpt(string logFile, long from)
    {
        try
        {
            using var log = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            log.Seek(Math.Max(from, log.Length - 4096), SeekOrigin.Begin);
            using var reader = new StreamReader(log, Encoding.UTF8);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5).ToList();
            return lines.Count == 0 ? $"; log: {logFile}" : $"; from its log ({logFile}):\n  " + string.Join("\n  ", lines);
        }
        catch (IOException)
        {
            return $"; log: {logFile}";
        }
    }
}
