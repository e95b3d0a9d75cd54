using System.Text;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// Turns generated tokens into text one at a time. <see cref="Push"/> returns only whole characters:
/// the bytes of a character split over several tokens (byte-fallback tokens, for instance) are held
/// back until it is complete. Pushes plus <see cref="Flush"/> give exactly
/// <c>Decode(ids, removeSpecial: false, unparseSpecial)</c>, including the removal of the first
/// token's leading space when the vocabulary adds a space prefix — unless the tokens continue a text
/// (<c>continuesText</c>), as a completion of a raw prompt does, where that space separates the
/// prompt's last word from the first generated one. Vocabularies whose <c>Decode</c> cleans up spaces
/// before punctuation (most byte-level BPE ones, and WordPiece) are the exception: streaming gives the
/// raw pieces, as llama.cpp's per-token pieces do, because the clean-up needs the characters that follow.
/// Not thread-safe; one per stream.
/// </summary>
public sealed class StreamingDetokenizer
{
    private readonly ITokenizer _tokenizer;
    private readonly bool _unparseSpecial;
    // A stateful decoder replaces invalid bytes exactly as a one-shot decode of all bytes would, and
    // keeps an incomplete trailing sequence for the next call.
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly bool _continuesText;
    private bool _first;

    public StreamingDetokenizer(ITokenizer tokenizer, bool unparseSpecial = false, bool continuesText = false)
    {
        _tokenizer = tokenizer;
        _unparseSpecial = unparseSpecial;
        _continuesText = continuesText;
        _first = !continuesText;
    }

    public string Push(int tokenId)
    {
        ReadOnlySpan<byte> piece = _tokenizer.TokenToPiece(tokenId, _unparseSpecial);
        if (_first && _tokenizer.AddSpacePrefix && piece.Length > 0 && piece[0] == (byte)' ')
            piece = piece[1..];
        _first = false;
        return DecodeBytes(piece, flush: false);
    }

    /// <summary>The held-back bytes of an unfinished character, as U+FFFD; resets for a new stream.</summary>
    public string Flush()
    {
        var rest = DecodeBytes([], flush: true);
        _decoder.Reset();
        _first = !_continuesText;
        return rest;
    }

    private string DecodeBytes(ReadOnlySpan<byte> bytes, bool flush)
    {
        var chars = new char[_decoder.GetCharCount(bytes, flush)];
        var count = _decoder.GetChars(bytes, chars, flush);
        return new string(chars, 0, count);
    }
}
