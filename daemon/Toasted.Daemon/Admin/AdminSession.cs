using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Toasted.Protocol.Admin;
using Toasted.Protocol.Framing;

namespace Toasted.Daemon.Admin;

/// <summary>
/// One watcher on the admin socket: a snapshot first, then every event as it is published, until the
/// watcher leaves or the daemon stops. What the watcher sends is read only to answer <c>snapshot</c>
/// requests and to notice that it left; anything else is ignored.
/// </summary>
public sealed partial class AdminSession(Socket socket, ActivityFeed feed, SnapshotBuilder snapshots, ILogger logger, long number)
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    /// <summary>Watchers send only tiny requests; a longer line is dropped unread.</summary>
    private const int MaxRequestBytes = 4096;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public async Task RunAsync(CancellationToken daemonStopped)
    {
        LogOpened(number);
        // Subscribe before the snapshot, so no event between the two is lost (some may repeat it).
        using var subscription = feed.Subscribe();
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(daemonStopped);
        var requests = ReadRequestsAsync(leaving);
        try
        {
            await SendAsync(AdminFrameCodec.Encode(snapshots.Build()), leaving.Token).ConfigureAwait(false);
            await foreach (var frame in subscription.Events.ReadAllAsync(leaving.Token).ConfigureAwait(false))
                await SendAsync(AdminFrameCodec.Encode(frame), leaving.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The watcher left, or the daemon stops: nothing more to send.
        }
        catch (WatcherTooSlowException slow)
        {
            LogTooSlow(number, slow.Message);
        }
        catch (ChannelClosedException closed) when (closed.InnerException is WatcherTooSlowException slow)
        {
            LogTooSlow(number, slow.Message);
        }
        finally
        {
            await leaving.CancelAsync().ConfigureAwait(false);
            socket.Dispose();
            await requests.ConfigureAwait(false);
            _sendLock.Dispose();
            LogClosed(number);
        }
    }

    /// <summary>Answers <c>snapshot</c> requests until the watcher closes; then cancels the session.</summary>
    private async Task ReadRequestsAsync(CancellationTokenSource leaving)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var input = PipeReader.Create(stream);
        var frames = new FrameReader(input, MaxRequestBytes);
        try
        {
            while (true)
            {
                var result = await frames.ReadAsync(leaving.Token).ConfigureAwait(false);
                if (result.Status == FrameReadStatus.EndOfStream) break;
                if (result.Status == FrameReadStatus.Frame && AdminFrameCodec.TypeOf(result.Frame) == AdminFrameTypes.SnapshotRequest)
                    await SendAsync(AdminFrameCodec.Encode(snapshots.Build()), leaving.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Closed from either side.
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            await leaving.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task SendAsync(byte[] line, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var remaining = line.AsMemory();
            while (!remaining.IsEmpty)
            {
                var sent = await socket.SendAsync(remaining, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                remaining = remaining[sent..];
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "admin connection {Connection} opened")]
    private partial void LogOpened(long connection);

    [LoggerMessage(Level = LogLevel.Debug, Message = "admin connection {Connection} closed")]
    private partial void LogClosed(long connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "admin connection {Connection} closed: {Reason}")]
    private partial void LogTooSlow(long connection, string reason);
}
