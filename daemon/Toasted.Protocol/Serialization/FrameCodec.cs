using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Toasted.Protocol.Messages;

namespace Toasted.Protocol.Serialization;

/// <summary>Frames ⇄ bytes of one NDJSON line. Decoding reads the header (version, id, type) first so
/// that each kind of bad frame gets its own error code.</summary>
public static class FrameCodec
{
    private const byte NewLine = (byte)'\n';

    /// <summary>The frame as one line of UTF-8 JSON, newline included.</summary>
    public static byte[] Encode(RequestFrame frame) => frame switch
    {
        GenerateRequest generate => EncodeLine(generate, WireJsonContext.Default.GenerateRequest),
        TokenizeRequest tokenize => EncodeLine(tokenize, WireJsonContext.Default.TokenizeRequest),
        StatusRequest status => EncodeLine(status, WireJsonContext.Default.StatusRequest),
        _ => throw new ArgumentException($"no encoding for request type {frame.GetType().Name}", nameof(frame)),
    };

    /// <summary>The frame as one line of UTF-8 JSON, newline included.</summary>
    public static byte[] Encode(ResponseFrame frame) => frame switch
    {
        QueuedFrame queued => EncodeLine(queued, WireJsonContext.Default.QueuedFrame),
        ProgressFrame progress => EncodeLine(progress, WireJsonContext.Default.ProgressFrame),
        TokenFrame token => EncodeLine(token, WireJsonContext.Default.TokenFrame),
        DoneFrame done => EncodeLine(done, WireJsonContext.Default.DoneFrame),
        TokensFrame tokens => EncodeLine(tokens, WireJsonContext.Default.TokensFrame),
        StatusFrame status => EncodeLine(status, WireJsonContext.Default.StatusFrame),
        ErrorFrame error => EncodeLine(error, WireJsonContext.Default.ErrorFrame),
        _ => throw new ArgumentException($"no encoding for response type {frame.GetType().Name}", nameof(frame)),
    };

    /// <summary>A request from one frame (without its newline). Throws <see cref="ProtocolException"/>
    /// with <c>invalid_request</c> or <c>wire_version_unsupported</c>, carrying the id when it was readable.</summary>
    public static RequestFrame DecodeRequest(ReadOnlySpan<byte> frame)
    {
        var header = ReadHeader(frame);
        if (header.WireVersion is null)
            throw new ProtocolException(ErrorCodes.InvalidRequest, "missing wire_version (this daemon speaks wire_version 1)", header.Id);
        if (header.WireVersion != WireProtocol.Version)
            throw new ProtocolException(ErrorCodes.WireVersionUnsupported,
                $"wire_version {header.WireVersion} is not supported; this daemon speaks wire_version {WireProtocol.Version}", header.Id);
        if (string.IsNullOrEmpty(header.Id))
            throw new ProtocolException(ErrorCodes.InvalidRequest, "missing id: every request needs a non-empty string id");

        RequestFrame? request = header.Type switch
        {
            FrameTypes.Generate => DecodeBody(frame, WireJsonContext.Default.GenerateRequest, header.Id),
            FrameTypes.Tokenize => DecodeBody(frame, WireJsonContext.Default.TokenizeRequest, header.Id),
            FrameTypes.Status => DecodeBody(frame, WireJsonContext.Default.StatusRequest, header.Id),
            null => throw new ProtocolException(ErrorCodes.InvalidRequest, "missing type", header.Id),
            _ => throw new ProtocolException(ErrorCodes.InvalidRequest,
                $"unknown request type \"{header.Type}\" (expected generate, tokenize or status)", header.Id),
        };
        return request;
    }

    /// <summary>A response from one frame (without its newline); unknown frame types are an error
    /// because a v1 daemon sends only the types of docs/protocol.md.</summary>
    public static ResponseFrame DecodeResponse(ReadOnlySpan<byte> frame)
    {
        var header = ReadHeader(frame);
        return header.Type switch
        {
            FrameTypes.Queued => DecodeBody(frame, WireJsonContext.Default.QueuedFrame, header.Id),
            FrameTypes.Progress => DecodeBody(frame, WireJsonContext.Default.ProgressFrame, header.Id),
            FrameTypes.Token => DecodeBody(frame, WireJsonContext.Default.TokenFrame, header.Id),
            FrameTypes.Done => DecodeBody(frame, WireJsonContext.Default.DoneFrame, header.Id),
            FrameTypes.Tokens => DecodeBody(frame, WireJsonContext.Default.TokensFrame, header.Id),
            FrameTypes.Status => DecodeBody(frame, WireJsonContext.Default.StatusFrame, header.Id),
            FrameTypes.Error => DecodeBody(frame, WireJsonContext.Default.ErrorFrame, header.Id),
            _ => throw new ProtocolException(ErrorCodes.InvalidRequest, $"unknown response type \"{header.Type}\"", header.Id),
        };
    }

    private static RequestHeader ReadHeader(ReadOnlySpan<byte> frame)
    {
        // The JSON reader does not check every string for well-formed UTF-8, so check the frame once here.
        if (!Utf8.IsValid(frame))
            throw new ProtocolException(ErrorCodes.InvalidRequest, "frame is not valid UTF-8");
        try
        {
            return JsonSerializer.Deserialize(frame, WireJsonContext.Default.RequestHeader)
                ?? throw new ProtocolException(ErrorCodes.InvalidRequest, "frame is null; expected a JSON object");
        }
        catch (JsonException exception)
        {
            throw new ProtocolException(ErrorCodes.InvalidRequest, "malformed frame: " + Describe(exception));
        }
    }

    private static T DecodeBody<T>(ReadOnlySpan<byte> frame, JsonTypeInfo<T> typeInfo, string? id) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(frame, typeInfo)
                ?? throw new ProtocolException(ErrorCodes.InvalidRequest, "frame is null; expected a JSON object", id);
        }
        catch (JsonException exception)
        {
            throw new ProtocolException(ErrorCodes.InvalidRequest, "malformed frame: " + Describe(exception), id);
        }
    }

    private static string Describe(JsonException exception) =>
        exception.Path is { Length: > 1 } path ? $"{FirstLine(exception.Message)} (at {path})" : FirstLine(exception.Message);

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    private static byte[] EncodeLine<T>(T frame, JsonTypeInfo<T> typeInfo)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(frame, typeInfo);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = NewLine;
        return line;
    }
}
