using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Toasted.Protocol.Messages;

namespace Toasted.Protocol.Admin;

/// <summary>Admin frames ⇄ one NDJSON line. A frame of a type this build does not know decodes to null,
/// so a watcher keeps working when a later daemon adds event types.</summary>
public static class AdminFrameCodec
{
    /// <summary>The frame as one line of UTF-8 JSON, newline included.</summary>
    public static byte[] Encode(AdminFrame frame) => frame switch
    {
        SnapshotFrame snapshot => EncodeLine(snapshot, AdminJsonContext.Default.SnapshotFrame),
        StateFrame state => EncodeLine(state, AdminJsonContext.Default.StateFrame),
        LoadingFrame loading => EncodeLine(loading, AdminJsonContext.Default.LoadingFrame),
        RequestStartedFrame started => EncodeLine(started, AdminJsonContext.Default.RequestStartedFrame),
        RequestFinishedFrame finished => EncodeLine(finished, AdminJsonContext.Default.RequestFinishedFrame),
        QueueFrame queue => EncodeLine(queue, AdminJsonContext.Default.QueueFrame),
        AdminErrorFrame error => EncodeLine(error, AdminJsonContext.Default.AdminErrorFrame),
        _ => throw new ArgumentException($"no encoding for admin frame {frame.GetType().Name}", nameof(frame)),
    };

    /// <summary>The frame in one line (without its newline); null for an unknown type. Throws
    /// <see cref="ProtocolException"/> for a line that is not a JSON object of the right shape.</summary>
    public static AdminFrame? Decode(ReadOnlySpan<byte> line) => TypeOf(line) switch
    {
        AdminFrameTypes.Snapshot => Body(line, AdminJsonContext.Default.SnapshotFrame),
        AdminFrameTypes.State => Body(line, AdminJsonContext.Default.StateFrame),
        AdminFrameTypes.Loading => Body(line, AdminJsonContext.Default.LoadingFrame),
        AdminFrameTypes.RequestStarted => Body(line, AdminJsonContext.Default.RequestStartedFrame),
        AdminFrameTypes.RequestFinished => Body(line, AdminJsonContext.Default.RequestFinishedFrame),
        AdminFrameTypes.Queue => Body(line, AdminJsonContext.Default.QueueFrame),
        AdminFrameTypes.Error => Body(line, AdminJsonContext.Default.AdminErrorFrame),
        _ => null,
    };

    /// <summary>The <c>type</c> of a line, or null when it has none or is not JSON; the daemon uses it to
    /// spot <c>snapshot</c> requests and ignore everything else.</summary>
    public static string? TypeOf(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, AdminJsonContext.Default.RequestHeader)?.Type;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Body<T>(ReadOnlySpan<byte> line, JsonTypeInfo<T> typeInfo) where T : AdminFrame
    {
        try
        {
            return JsonSerializer.Deserialize(line, typeInfo)
                ?? throw new ProtocolException(ErrorCodes.InvalidRequest, "admin frame is null; expected a JSON object");
        }
        catch (JsonException exception)
        {
            throw new ProtocolException(ErrorCodes.InvalidRequest, "malformed admin frame: " + exception.Message);
        }
    }

    private static byte[] EncodeLine<T>(T frame, JsonTypeInfo<T> typeInfo)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(frame, typeInfo);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }
}
