using System.Buffers;
using System.Text.Json;

namespace Toasted.Protocol.Framing;

/// <summary>
/// Checks the JSON syntax of a frame while its bytes are still arriving, so that a frame that can no
/// longer become valid JSON is refused at its first bad byte instead of being held up to the size cap.
/// The check carries the reader's state between reads and only re-reads a token that was cut off;
/// once a single token has been pending for more than <see cref="MaxPendingTokenBytes"/> (a long
/// string), it stops for that frame, because re-reading it on every arrival would cost quadratic
/// time; the frame's full decoding checks it when it is whole.
/// </summary>
public sealed class JsonPrefixCheck
{
    public const int MaxPendingTokenBytes = 1024 * 1024;

    private JsonReaderState _state;
    private bool _givenUp;

    /// <summary>Forgets the previous frame.</summary>
    public void Reset()
    {
        _state = default;
        _givenUp = false;
    }

    /// <summary>
    /// Reads the bytes of the frame not yet checked. Returns false with a reason when they break JSON
    /// syntax; otherwise <paramref name="consumed"/> says how many of them were checked for good (the
    /// rest belong to a token that is not whole yet and are read again next time).
    /// </summary>
    public bool TryAdvance(ReadOnlySequence<byte> pending, out long consumed, out string? reason)
    {
        consumed = 0;
        reason = null;
        if (_givenUp) return true;
        var reader = new Utf8JsonReader(pending, isFinalBlock: false, _state);
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException exception)
        {
            reason = exception.Message;
            return false;
        }
        consumed = reader.BytesConsumed;
        _state = reader.CurrentState;
        if (pending.Length - consumed > MaxPendingTokenBytes) _givenUp = true;
        return true;
    }
}
