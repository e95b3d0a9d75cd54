using System.Buffers;
using System.IO.Pipelines;

namespace Toasted.Protocol.Framing;

/// <summary>
/// Splits a byte stream into NDJSON frames. The cap is checked against the bytes buffered so far, so
/// a frame over the cap is refused as soon as it crosses it: it is never held whole, and its remaining
/// bytes are consumed and dropped on the next read, up to its newline. With a
/// <see cref="JsonPrefixCheck"/>, a frame that arrives in pieces is also refused as soon as its bytes
/// break JSON syntax, so garbage is never held however long it runs.
/// </summary>
public sealed class FrameReader(PipeReader input, int maxFrameBytes = WireProtocol.MaxFrameBytes, JsonPrefixCheck? prefixCheck = null)
{
    private const byte NewLine = (byte)'\n';

    /// <summary>True while the rest of a refused frame is being skipped.</summary>
    private bool _skippingOversizedFrame;

    /// <summary>Where the search for a newline stopped in the unconsumed buffer, so each byte is searched
    /// once however many reads a long frame takes. Valid until the next AdvanceTo that consumes.</summary>
    private SequencePosition? _searchedUpTo;

    /// <summary>Where the prefix check stopped in the unconsumed buffer (same validity as above).</summary>
    private SequencePosition? _checkedUpTo;

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
                ForgetFrame();
                continue;
            }

            if (newLine is { } end)
            {
                ForgetFrame();
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

            if (prefixCheck is not null && !result.IsCompleted)
            {
                var start = _checkedUpTo ?? buffer.Start;
                if (!prefixCheck.TryAdvance(buffer.Slice(start), out var consumed, out var reason))
                {
                    // Cannot become valid JSON: refuse now, drop what is buffered, skip the rest later.
                    input.AdvanceTo(buffer.End);
                    _skippingOversizedFrame = true;
                    ForgetFrame();
                    return new FrameReadResult(FrameReadStatus.Malformed, []) { Reason = reason };
                }
                _checkedUpTo = buffer.GetPosition(consumed, start);
            }

            if (buffer.Length > MaxFrameBytes)
            {
                // No newline within the cap: refuse now, drop what is buffered, skip the rest later.
                input.AdvanceTo(buffer.End);
                _skippingOversizedFrame = true;
                ForgetFrame();
                return FrameReadResult.TooLarge;
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                ForgetFrame();
                return FrameReadResult.EndOfStream;
            }
            _searchedUpTo = buffer.End;
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Positions into the buffer die when it is consumed; the next frame starts afresh.</summary>
    private void ForgetFrame()
    {
        _searchedUpTo = null;
        _checkedUpTo = null;
        prefixCheck?.Reset();
    }

    private static ReadOnlySequence<byte> TrimCarriageReturn(ReadOnlySequence<byte> line)
    {
        if (line.Length == 0) return line;
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;
    }
}
