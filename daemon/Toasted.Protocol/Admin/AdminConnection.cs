using System.IO.Pipelines;
using System.Net.Sockets;
using Toasted.Protocol.Client;
using Toasted.Protocol.Framing;

namespace Toasted.Protocol.Admin;

/// <summary>One frame read from the admin socket: the decoded frame (null for a type this build does not
/// know) and the line as it came, for callers that print it raw.</summary>
public readonly record struct AdminReading(AdminFrame? Frame, byte[] Line);

/// <summary>
/// A watcher's connection to the admin socket: the daemon sends a snapshot, then events, until it
/// stops. The only thing a watcher may send is a <c>snapshot</c> request.
/// </summary>
public sealed class AdminConnection : IAsyncDisposable
{
    private static readonly byte[] SnapshotRequestLine = "{\"type\":\"snapshot\"}\n"u8.ToArray();
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly FrameReader _frames;

    private AdminConnection(Socket socket)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _frames = new FrameReader(_input);
    }

    /// <summary>Connects to <paramref name="adminSocketPath"/>; throws <see cref="DaemonUnavailableException"/>
    /// when there is no socket or nothing answers.</summary>
    public static async Task<AdminConnection> ConnectAsync(string adminSocketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(adminSocketPath))
            throw new DaemonUnavailableException(adminSocketPath, "no admin socket");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(adminSocketPath), cancellationToken).ConfigureAwait(false);
            return new AdminConnection(socket);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new DaemonUnavailableException(adminSocketPath, exception.SocketErrorCode == SocketError.ConnectionRefused
                ? "nothing answers on the admin socket" : exception.Message, exception);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next frame, or null when the daemon closed the connection (it stopped, or refused us).</summary>
    public async Task<AdminReading?> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await _frames.ReadAsync(cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            FrameReadStatus.EndOfStream => null,
            FrameReadStatus.Frame => new AdminReading(AdminFrameCodec.Decode(result.Frame), result.Frame),
            _ => throw new ProtocolException(ErrorCodes.FrameTooLarge, "the daemon sent an admin frame over the size cap"),
        };
    }

    /// <summary>Asks for a fresh snapshot; it arrives among the events.</summary>
    public async Task RequestSnapshotAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(SnapshotRequestLine, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
