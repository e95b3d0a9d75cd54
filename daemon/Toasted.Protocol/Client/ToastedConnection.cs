using System.IO.Pipelines;
using System.Net.Sockets;
using Toasted.Protocol.Framing;
using Toasted.Protocol.Messages;
using Toasted.Protocol.Serialization;

namespace Toasted.Protocol.Client;

/// <summary>
/// One connection to the daemon: send a request, read its frames until the final one, repeat.
/// Disposing closes the socket, which cancels a request still running on the daemon.
/// </summary>
public sealed class ToastedConnection : IAsyncDisposable, IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly FrameReader _frames;

    private ToastedConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _frames = new FrameReader(_input);
    }

    public static async Task<ToastedConnection> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
            throw new DaemonUnavailableException(socketPath, "no socket");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new ToastedConnection(socket);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new DaemonUnavailableException(socketPath, exception.SocketErrorCode == SocketError.ConnectionRefused
                ? "nothing answers on the socket" : exception.Message, exception);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(RequestFrame request, CancellationToken cancellationToken) =>
        await SendRawAsync(FrameCodec.Encode(request), cancellationToken).ConfigureAwait(false);

    /// <summary>Writes bytes as they are, for callers that need to send something that is not a valid frame.</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next frame from the daemon, or null when it closed the connection.</summary>
    public async Task<ResponseFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await _frames.ReadAsync(cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            FrameReadStatus.Frame => FrameCodec.DecodeResponse(result.Frame),
            FrameReadStatus.EndOfStream => null,
            _ => throw new ProtocolException(ErrorCodes.FrameTooLarge, "the daemon sent a frame over the size cap"),
        };
    }

    /// <summary>Every frame of one request, the final one included. Ends early, without an exception,
    /// if the daemon closes the connection; the caller sees that no final frame came.</summary>
    public async IAsyncEnumerable<ResponseFrame> ReadResponsesAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } frame)
        {
            yield return frame;
            if (frame.IsFinal) yield break;
        }
    }

    /// <summary>Sends a request and returns its final frame, ignoring the ones before it.</summary>
    public async Task<ResponseFrame?> RequestAsync(RequestFrame request, CancellationToken cancellationToken)
    {
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
        ResponseFrame? last = null;
        await foreach (var frame in ReadResponsesAsync(cancellationToken).ConfigureAwait(false))
            last = frame;
        return last is { IsFinal: true } ? last : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _input.Complete();
        _stream.Dispose();
        _socket.Dispose();
    }
}
