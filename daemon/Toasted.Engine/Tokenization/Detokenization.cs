using System.Buffers;
using System.Text;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// llama_detokenize for every family: optionally drop a leading BOS and a trailing EOS, join the pieces,
/// take one leading space off the first piece when the vocabulary adds a space prefix, then, for
/// vocabularies that ask for it, llama.cpp's clean-up of tokenization spaces.
/// </summary>
internal static class Detokenization
{
    public static string Decode(Vocabulary vocabulary, ReadOnlySpan<int> ids, bool removeSpecial, bool unparseSpecial, bool cleanSpaces)
    {
        var removeSpace = vocabulary.AddSpacePrefix;
        if (removeSpecial && vocabulary.AddBos && ids.Length > 0 && ids[0] == vocabulary.BosId)
        {
            removeSpace = false;
            ids = ids[1..];
        }
        if (removeSpecial && vocabulary.AddEos && ids.Length > 0 && ids[^1] == vocabulary.EosId)
            ids = ids[..^1];

        var bytes = new ArrayBufferWriter<byte>(ids.Length * 4 + 16);
        foreach (var id in ids)
        {
            var piece = vocabulary.Piece(id, unparseSpecial);
            if (removeSpace && piece.Length > 0 && piece[0] == (byte)' ')
                piece = piece[1..];
            removeSpace = false;
            bytes.Write(piece);
        }

        if (!cleanSpaces)
            return Encoding.UTF8.GetString(bytes.WrittenSpan);
        var text = bytes.WrittenSpan.ToArray();
        var length = CleanUpSpaces(text);
        return Encoding.UTF8.GetString(text, 0, length);
    }

    /// <summary>
    /// llama.cpp's three in-place passes over the UTF-8 bytes, returning the new length: drop the space
    /// before '?', '!', '.' and ','; turn " ' " into "'"; drop the space before "'s", "'m", "'re" and
    /// "'ve" (not before "'t", "'d" or "'ll"). The passes read characters they have already rewritten,
    /// exactly as llama.cpp does, so that odd sequences come out the same.
    /// </summary>
    public static int CleanUpSpaces(byte[] text)
    {
        var total1 = text.Length;
        var total = total1 > 0 ? 1 : 0;
        for (var i = 1; i < total1; i++)
        {
            var x = text[i];
            if (text[i - 1] == ' ' && x is (byte)'?' or (byte)'!' or (byte)'.' or (byte)',')
                total--;
            text[total++] = x;
        }

        var total2 = total;
        total = total > 0 ? 1 : 0;
        for (var i = 1; i < total2; i++)
        {
            var x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ')
            {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        var total3 = total;
        total = total > 0 ? 1 : 0;
        for (var i = 1; i < total3; i++)
        {
            var x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3)
            {
                var x1 = text[i + 1];
                if (x1 is (byte)'s' or (byte)'m')
                    total--;
                else if (x1 is not ((byte)'t' or (byte)'d') && i + 2 < total3)
                {
                    var x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e'))
                        total--;
                }
            }
            text[total++] = x;
        }
        return total;
    }
}
