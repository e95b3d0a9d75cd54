using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Transport;

/// <summary>
/// Accepts connections on the Unix socket and runs each one concurrently. On stop it closes the
/// listening socket and removes the file first (new clients see "not running" at once), then lets
/// every connection cancel its request and send the final error frame.
/// </summary>
public sealed partial class UnixSocketListener(DaemonSettings settings, IRequestHandler handler, ILogger<UnixSocketListener> logger)
    : BackgroundService
{
    private readonly uint _ownUserId = PeerCredentials.CurrentUserId;
    private Socket? _listening;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listening = SocketFile.Listen(settings.SocketPath, settings.SocketPathExplicit);
        LogListening(settings.SocketPath);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = _listening ?? throw new InvalidOperationException("StartAsync binds the socket first");
        var connections = new ConcurrentDictionary<long, Task>();
        long count = 0;
        try
        {
            while (true)
            {
                var accepted = await listening.AcceptAsync(stoppingToken).ConfigureAwait(false);
                var number = ++count;
                var peerUserId = PeerCredentials.PeerUserId(accepted);
                var peerProcessId = PeerCredentials.PeerProcessId(accepted);
                if (peerUserId is { } peer && peer != _ownUserId)
                {
                    LogForeignPeer(number, peer);
                    accepted.Dispose();
                    continue;
                }
                var connection = new Connection(accepted, handler, logger, number, settings.WriteTimeout);
                connections[number] = Task.Run(async () =>
                {
                    // Flows into the request handlers, which report who asked to admin watchers, and every
                    // line logged for this connection's requests names the client.
                    ConnectionPeer.Current = new ConnectionPeer(number, peerProcessId, peerUserId);
                    using var client = logger.BeginScope("client pid {ClientPid} uid {ClientUid}", peerProcessId, peerUserId);
                    try
                    {
                        await connection.RunAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        LogConnectionFailed(exception, number);
                    }
                    finally
                    {
                        connection.Dispose();
                        connections.TryRemove(number, out _);
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: no new connections.
        }
        finally
        {
            listening.Dispose();
            SocketFile.Remove(settings.SocketPath);
            LogStopping(connections.Count);
            await Task.WhenAll(connections.Values).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "listening on {SocketPath}")]
    private partial void LogListening(string socketPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped listening; socket removed; closing {Connections} connections")]
    private partial void LogStopping(int connections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "connection {Connection} refused: peer user id {PeerUserId} is not the daemon's")]
    private partial void LogForeignPeer(long connection, uint peerUserId);

    [LoggerMessage(Level = LogLevel.Error, Message = "connection {Connection} failed")]
    private partial void LogConnectionFailed(Exception exception, long connection);
}
