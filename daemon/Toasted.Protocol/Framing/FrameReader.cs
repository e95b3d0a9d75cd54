using System.Buffers;
using System.IO.Pipelines;

namespace Toasted.Protocol.Framing;

/// <summary>
/// Splits a byte stream into NDJSON frames. The cap is checked against the bytes buffered so far, so
/// a frame over the cap is refused as soon as it crosses it: it is never held whole, and its remaining
/// bytes are consumed and dropped on the next read, up to its newline.
/// </summary>
public sealed class FrameReader(PipeReader input, int maxFrameBytes = WireProtocol.MaxFrameBytes)
{
    private const byte NewLine = (byte)'\n';

    /// <summary>True while the rest of a refused frame is being skipped.</summary>
    private bool _skippingOversizedFrame;

    /// <summary>Where the search for a newline stopped in the unconsumed buffer, so each byte is searched
    /// once however many reads a long frame takes. Valid until the next AdvanceTo that consumes.</summary>
    private SequencePosition? _searchedUpTo;

    public int MaxFrameBytes { get; } = maxFrameBytes;

    /// <summary>Reads the next frame. Empty lines are skipped; a trailing '\r' is removed.</summary>
    public async ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var newLine = (_searchedUpTo is { } resume ? buffer.Slice(resume) : buffer).PositionOf(NewLine);

            if (_skippingOversizedFrame)
            {
                if (newLine is null)
                {
                    input.AdvanceTo(buffer.End);
                    if (result.IsCompleted) return FrameReadResult.EndOfStream;
                    continue;
                }
                input.AdvanceTo(buffer.GetPosition(1, newLine.Value));
                _skippingOversizedFrame = false;
                _searchedUpTo = null;
                continue;
            }

            if (newLine is { } end)
            {
                _searchedUpTo = null;
                var line = buffer.Slice(0, end);
                if (line.Length > MaxFrameBytes)
                {
                    input.AdvanceTo(buffer.GetPosition(1, end));
                    return FrameReadResult.TooLarge;
                }
                var frame = TrimCarriageReturn(line).ToArray();
                input.AdvanceTo(buffer.GetPosition(1, end));
                if (frame.Length == 0) continue;
                return new FrameReadResult(FrameReadStatus.Frame, frame);
            }

            if (buffer.Length > MaxFrameBytes)
            {
                // No newline within the cap: refuse now, drop what is buffered, skip the rest later.
                input.AdvanceTo(buffer.End);
                _skippingOversizedFrame = true;
                _searchedUpTo = null;
                return FrameReadResult.TooLarge;
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                _searchedUpTo = null;
                return FrameReadResult.EndOfStream;
            }
            _searchedUpTo = buffer.End;
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static ReadOnlySequence<byte> TrimCarriageReturn(ReadOnlySequence<byte> line)
    {
        if (line.Length == 0) return line;
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;
    }
}
