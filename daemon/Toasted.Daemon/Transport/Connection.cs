using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Toasted.Protocol;
using Toasted.Protocol.Framing;
using Toasted.Protocol.Messages;
using Toasted.Protocol.Serialization;

namespace Toasted.Daemon.Transport;

/// <summary>
/// One client connection. A receive loop fills a pipe from the socket; the frame loop decodes requests
/// and runs one at a time, while still reading so that a closed connection is noticed at once and
/// cancels the request in flight (also while it is queued or in prefill).
/// </summary>
public sealed partial class Connection : IResponseSink, IDisposable
{
    private const int ReceiveBufferHint = 64 * 1024;

    private readonly Socket _socket;
    private readonly IRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly long _number;
    private readonly TimeSpan _writeTimeout;
    // The writer pauses only once a frame could no longer be valid, so the reader always sees a frame
    // cross the cap before back-pressure stops the receive loop.
    private readonly Pipe _incoming = new(new PipeOptions(
        pauseWriterThreshold: WireProtocol.MaxFrameBytes + 2L * ReceiveBufferHint,
        resumeWriterThreshold: WireProtocol.MaxFrameBytes / 2,
        useSynchronizationContext: false));
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _peerGone = new();

    public Connection(Socket socket, IRequestHandler handler, ILogger logger, long number, TimeSpan writeTimeout)
    {
        // Zero is the setting for "no limit".
        _writeTimeout = writeTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : writeTimeout;
        _socket = socket;
        _handler = handler;
        _logger = logger;
        _number = number;
    }

    public async Task RunAsync(CancellationToken daemonStopping)
    {
        LogOpened(_number);
        var receiving = ReceiveAsync(_peerGone.Token);
        var frames = new FrameReader(_incoming.Reader, WireProtocol.MaxFrameBytes, new JsonPrefixCheck());
        Task current = Task.CompletedTask;
        // Handlers that sent their final frame but had not returned when the next request came.
        Task finishing = Task.CompletedTask;
        RequestSink? inFlight = null;
        CancellationTokenSource? currentCancellation = null;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(daemonStopping, _peerGone.Token);
        try
        {
            while (true)
            {
                var result = await frames.ReadAsync(stopping.Token).ConfigureAwait(false);
                if (result.Status == FrameReadStatus.EndOfStream) break;
                if (result.Status == FrameReadStatus.TooLarge)
                {
                    await SendErrorAsync("", ErrorCodes.FrameTooLarge, $"frame exceeds {WireProtocol.MaxFrameBytes} bytes; it was discarded").ConfigureAwait(false);
                    continue;
                }
                if (result.Status == FrameReadStatus.Malformed)
                {
                    LogBadFrame(_number, ErrorCodes.InvalidRequest, result.Reason ?? "");
                    await SendErrorAsync("", ErrorCodes.InvalidRequest, "malformed frame: " + result.Reason + "; the rest of the line is discarded").ConfigureAwait(false);
                    continue;
                }

                RequestFrame request;
                try
                {
                    request = FrameCodec.DecodeRequest(result.Frame);
                }
                catch (ProtocolException exception)
                {
                    LogBadFrame(_number, exception.Code, exception.Message);
                    await SendErrorAsync(exception.RequestId ?? "", exception.Code, exception.Message).ConfigureAwait(false);
                    // A peer of another version would misread whatever follows: it gets its answer, then the door.
                    if (exception.Code == ErrorCodes.WireVersionUnsupported) break;
                    continue;
                }

                if (inFlight is { IsFinished: false } && !current.IsCompleted)
                {
                    await SendErrorAsync(request.Id, ErrorCodes.InvalidRequest,
                        "a request is already in flight on this connection; wait for its done or error frame").ConfigureAwait(false);
                    continue;
                }
                if (!current.IsCompleted) finishing = Task.WhenAll(finishing, current);
                // The previous handler may still be returning; it no longer reads its token.
                currentCancellation?.Dispose();
                currentCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                inFlight = new RequestSink(this);
                current = _handler.HandleAsync(request, inFlight, currentCancellation.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The daemon is stopping or the peer is gone: fall through to cancel what runs.
        }
        finally
        {
            // Leaving the loop means the peer closed or the daemon stops: either way the request ends.
            if (currentCancellation is not null) await currentCancellation.CancelAsync().ConfigureAwait(false);
            await current.ConfigureAwait(false);
            await finishing.ConfigureAwait(false);
            currentCancellation?.Dispose();
            await _peerGone.CancelAsync().ConfigureAwait(false);
            _socket.Dispose();
            await receiving.ConfigureAwait(false);
            await _incoming.Reader.CompleteAsync().ConfigureAwait(false);
            LogClosed(_number);
        }
    }

    /// <summary>Socket → pipe: GetMemory → ReceiveAsync → Advance → FlushAsync, until the peer closes.</summary>
    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var writer = _incoming.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(ReceiveBufferHint);
                var received = await _socket.ReceiveAsync(memory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (received == 0) break;
                writer.Advance(received);
                var flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset or our own close: the frame loop sees the end of the stream either way.
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    public async Task SendAsync(ResponseFrame frame, CancellationToken cancellationToken)
    {
        var bytes = FrameCodec.Encode(frame);
        // Not the request's token: a cancelled request still owes its peer the final error frame.
        using var timeout = new CancellationTokenSource(_writeTimeout);
        await _sendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_peerGone.IsCancellationRequested) return;
            var remaining = bytes.AsMemory();
            while (!remaining.IsEmpty)
            {
                var sent = await _socket.SendAsync(remaining, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                remaining = remaining[sent..];
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // The peer stopped reading: cancel its request and close, so its slot and buffers are freed.
            LogWriteTimeout(_number, _writeTimeout.TotalSeconds);
            await _peerGone.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone: cancel its request instead of failing the handler.
            LogSendFailed(_number, exception.Message);
            await _peerGone.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private Task SendErrorAsync(string id, string code, string message) =>
        SendAsync(new ErrorFrame { Id = id, Code = code, Message = message }, CancellationToken.None);

    public void Dispose()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        _peerGone.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection {Connection} opened")]
    private partial void LogOpened(long connection);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection {Connection} closed")]
    private partial void LogClosed(long connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "connection {Connection}: refused frame: {Code}: {Reason}")]
    private partial void LogBadFrame(long connection, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "connection {Connection}: write timeout: the client read nothing for {Seconds} s; request cancelled, connection closed")]
    private partial void LogWriteTimeout(long connection, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "connection {Connection}: peer gone while sending: {Reason}")]
    private partial void LogSendFailed(long connection, string reason);
}
