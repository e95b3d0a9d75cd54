namespace Toasted.Protocol.Framing;

/// <summary>The outcome of reading one frame.</summary>
public enum FrameReadStatus
{
    /// <summary>A whole frame was read.</summary>
    Frame,
    /// <summary>A frame exceeded the cap; it was skipped without being held, and reading can go on.</summary>
    TooLarge,
    /// <summary>A frame broke JSON syntax before it was whole (see <see cref="JsonPrefixCheck"/>): it was
    /// refused at once, and its remaining bytes are skipped without being held.</summary>
    Malformed,
    /// <summary>The peer closed the stream. Bytes after the last newline, if any, are dropped.</summary>
    EndOfStream,
}

/// <summary>A frame (the line without its newline) or why there is none.</summary>
public readonly record struct FrameReadResult(FrameReadStatus Status, byte[] Frame)
{
    /// <summary>For <see cref="FrameReadStatus.Malformed"/>: what was wrong.</summary>
    public string? Reason { get; init; }

    public static FrameReadResult EndOfStream { get; } = new(FrameReadStatus.EndOfStream, []);
    public static FrameReadResult TooLarge { get; } = new(FrameReadStatus.TooLarge, []);
}
