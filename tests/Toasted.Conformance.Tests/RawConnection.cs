using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Toasted.Conformance.Tests;

/// <summary>
/// A client that speaks the protocol with nothing but a Unix socket and a JSON parser: bytes out,
/// lines in. Every frame read is checked to be one UTF-8 line holding a JSON object.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _line = new();
    private int _start;
    private int _end;

    private RawConnection(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public static async Task<RawConnection> ConnectAsync(string socketPath, int? receiveBufferBytes = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (receiveBufferBytes is { } size) socket.ReceiveBufferSize = size;
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        return new RawConnection(socket);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    /// <summary>The next frame, or null when the daemon closed the connection.</summary>
    public async Task<JsonObject?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        var line = await ReadLineAsync(timeout ?? DefaultTimeout);
        if (line is null) return null;
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(line);
        return JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException("a frame that is not a JSON object: " + text);
    }

    /// <summary>Frames up to and including the first final one (done, tokens, status, error); fewer
    /// when the connection ends first.</summary>
    public async Task<List<JsonObject>> ReadUntilFinalAsync(TimeSpan? timeout = null)
    {
        var frames = new List<JsonObject>();
        while (await ReadFrameAsync(timeout) is { } frame)
        {
            frames.Add(frame);
            if (Frames.IsFinal(frame)) break;
        }
        return frames;
    }

    /// <summary>Sends one line and returns the frames of its answer.</summary>
    public async Task<List<JsonObject>> ExchangeAsync(string line, TimeSpan? timeout = null)
    {
        await SendAsync(line.EndsWith('\n') ? line : line + "\n");
        return await ReadUntilFinalAsync(timeout);
    }

    /// <summary>True when the daemon closes the connection (end of stream or reset) within the time.</summary>
    public async Task<bool> IsClosedByDaemonAsync(TimeSpan timeout)
    {
        try
        {
            while (await ReadLineAsync(timeout) is not null)
            {
            }
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception exception) when (exception is SocketException or InvalidDataException)
        {
            // Reset, or cut off in the middle of a frame: closed either way.
            return true;
        }
    }

    private async Task<byte[]?> ReadLineAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        _line.SetLength(0);
        while (true)
        {
            var newLine = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newLine >= 0)
            {
                _line.Write(_buffer, _start, newLine - _start);
                _start = newLine + 1;
                return _line.ToArray();
            }
            _line.Write(_buffer, _start, _end - _start);
            _start = _end = 0;
            int received;
            try
            {
                received = await _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no complete frame within {timeout}");
            }
            if (received == 0)
            {
                if (_line.Length > 0) throw new InvalidDataException("the daemon closed the connection in the middle of a frame");
                return null;
            }
            _end = received;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
