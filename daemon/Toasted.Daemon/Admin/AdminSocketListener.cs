using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toasted.Daemon.Hosting;
using Toasted.Daemon.Transport;
using Toasted.Protocol.Admin;

namespace Toasted.Daemon.Admin;

/// <summary>
/// The admin socket beside the main one. Registered before the model host, so it listens while the
/// model loads and watchers can follow loading; stopped after everything else, so watchers see the
/// daemon drain. Same folder, same 0600 mode and the same peer check as the main socket.
/// </summary>
public sealed partial class AdminSocketListener(
    DaemonSettings settings,
    ActivityFeed feed,
    DaemonLifecycle lifecycle,
    SnapshotBuilder snapshots,
    QueueActivity queueActivity,
    IHostApplicationLifetime lifetime,
    ILogger<AdminSocketListener> logger) : BackgroundService
{
    /// <summary>How long watchers get to read the last events (the drain, the final request ends) at stop.</summary>
    private static readonly TimeSpan FarewellTimeout = TimeSpan.FromSeconds(2);
    private readonly uint _ownUserId = PeerCredentials.CurrentUserId;
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private readonly CancellationTokenSource _closeSessions = new();
    private readonly string _path = AdminSocketLocation.For(settings.SocketPath);
    private readonly object _closeGate = new();
    private Socket? _listening;
    private Task? _closing;
    private volatile bool _closeRequested;

    public string SocketPath => _path;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Keeps queue events flowing from the first request; the object only needs to exist.
        GC.KeepAlive(queueActivity);
        _listening = SocketFile.Listen(_path, settings.SocketPathExplicit);
        // ApplicationStarted fires once every hosted service has started, i.e. the main socket listens.
        lifetime.ApplicationStarted.Register(lifecycle.MarkReady);
        lifetime.ApplicationStopping.Register(lifecycle.MarkDraining);
        LogListening(_path);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = _listening ?? throw new InvalidOperationException("StartAsync binds the socket first");
        long count = 0;
        try
        {
            while (true)
            {
                var accepted = await listening.AcceptAsync(stoppingToken).ConfigureAwait(false);
                var number = ++count;
                if (PeerCredentials.PeerUserId(accepted) is { } peer && peer != _ownUserId)
                {
                    LogForeignPeer(number, peer);
                    accepted.Dispose();
                    continue;
                }
                var session = new AdminSession(accepted, feed, snapshots, logger, number);
                _sessions[number] = Task.Run(async () =>
                {
                    try
                    {
                        await session.RunAsync(_closeSessions.Token).ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        LogSessionFailed(exception, number);
                    }
                    finally
                    {
                        _sessions.TryRemove(number, out _);
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: no new watchers.
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException && _closeRequested)
        {
            // Closed by Dispose after a failed start.
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening, lets watchers read what is left, then closes them; once, whoever asks first.</summary>
    private Task CloseAsync()
    {
        _closeRequested = true; // Before the socket closes: the accept loop then knows why it failed.
        lock (_closeGate) return _closing ??= CloseOnceAsync();
    }

    private async Task CloseOnceAsync()
    {
        _listening?.Dispose();
        RemoveSocketFile();
        feed.CompleteAll();
        var sessions = Task.WhenAll(_sessions.Values);
        await Task.WhenAny(sessions, Task.Delay(FarewellTimeout)).ConfigureAwait(false);
        await _closeSessions.CancelAsync().ConfigureAwait(false);
        await sessions.ConfigureAwait(false);
    }

    private void RemoveSocketFile()
    {
        // Only the file this daemon bound; a second daemon that failed to start must not take the first's.
        if (_listening is not null) SocketFile.Remove(_path);
    }

    public override void Dispose()
    {
        // When start fails (the model does not load) the host is disposed without being stopped:
        // close here so no socket file is left behind and watchers get the error already published.
        try
        {
            CloseAsync().Wait(FarewellTimeout + FarewellTimeout);
        }
        catch (AggregateException)
        {
            // Best effort on the way out.
        }
        base.Dispose();
        _closeSessions.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "admin socket listening on {SocketPath}")]
    private partial void LogListening(string socketPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "admin connection {Connection} refused: peer user id {PeerUserId} is not the daemon's")]
    private partial void LogForeignPeer(long connection, uint peerUserId);

    [LoggerMessage(Level = LogLevel.Error, Message = "admin connection {Connection} failed")]
    private partial void LogSessionFailed(Exception exception, long connection);
}
