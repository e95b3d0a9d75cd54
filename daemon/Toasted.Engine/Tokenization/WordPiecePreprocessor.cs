using System.Text;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// The BERT normalizer and pre-tokenizer as llama.cpp's WPM session applies them to a raw fragment:
/// optionally replace each code point by the first code point of its canonical decomposition (this is
/// how llama.cpp "strips accents": é becomes e, and a Hangul syllable its first jamo) and drop combining
/// marks; drop NUL, U+FFFD and control/format characters; split at whitespace; make every punctuation
/// character, ASCII symbol and CJK ideograph a word of its own; optionally lower-case.
/// </summary>
public sealed class WordPiecePreprocessor
{
    private readonly bool _lowercase;
    private readonly bool _stripAccents;

    public WordPiecePreprocessor(bool lowercase, bool stripAccents)
    {
        _lowercase = lowercase;
        _stripAccents = stripAccents;
    }

    public List<string> Words(ReadOnlySpan<char> text)
    {
        var words = new List<string>();
        var word = new StringBuilder();

        void FinishWord()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        foreach (var original in text.EnumerateRunes())
        {
            var rune = _stripAccents ? FirstOfDecomposition(original) : original;
            var codepoint = rune.Value;
            var kind = CodepointClasses.Of(codepoint);
            if (kind == CodepointClass.Whitespace)
            {
                FinishWord();
                continue;
            }
            if (codepoint is 0 or 0xFFFD || IsControl(codepoint))
                continue;
            if (_stripAccents && kind == CodepointClass.Mark)
                continue;

            var output = _lowercase ? Rune.ToLowerInvariant(rune) : rune;
            if (kind == CodepointClass.Punctuation || (codepoint < 0x7F && kind == CodepointClass.Symbol) || IsChineseCharacter(codepoint))
            {
                FinishWord();
                words.Add(output.ToString());
                continue;
            }
            word.Append(output.ToString());
        }
        FinishWord();
        return words;
    }

    private static Rune FirstOfDecomposition(Rune rune) => new(CanonicalDecomposition.FirstCodepoint(rune.Value));

    /// <summary>Unicode's C group without the unassigned code points: Cc, Cf, Cs and Co.</summary>
    private static bool IsControl(int codepoint) =>
        System.Globalization.CharUnicodeInfo.GetUnicodeCategory(codepoint) is System.Globalization.UnicodeCategory.Control
            or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate
            or System.Globalization.UnicodeCategory.PrivateUse;

    /// <summary>The CJK ranges of BERT's _is_chinese_char, including its 0x2B920 start of one range
    /// (Unicode's block starts at 0x2B820), which llama.cpp copies.</summary>
    private static bool IsChineseCharacter(int codepoint) =>
        codepoint is >= 0x4E00 and <= 0x9FFF
            or >= 0x3400 and <= 0x4DBF
            or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F
            or >= 0x2B920 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF
            or >= 0x2F800 and <= 0x2FA1F;
}
