using System.Globalization;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// The coarse character classes llama.cpp's pre-tokenizers and WordPiece work with: whitespace first
/// (its own fixed set), else the general Unicode category group. Categories come from .NET's Unicode
/// tables, which can differ from llama.cpp's generated tables only for characters assigned in a newer
/// Unicode version than one of the two knows.
/// </summary>
public enum CodepointClass : byte
{
    /// <summary>Controls, format characters, surrogates, private use and unassigned code points.</summary>
    Other,
    Whitespace,
    Letter,
    Number,
    Punctuation,
    Symbol,
    Mark,
}

public static class CodepointClasses
{
    private static readonly CodepointClass[] Bmp = BuildBmpTable();

    public static CodepointClass Of(int codepoint) =>
        (uint)codepoint < (uint)Bmp.Length ? Bmp[codepoint] : Classify(codepoint);

    /// <summary>
    /// llama.cpp's whitespace set: the ASCII controls \t \n \v \f \r, space, U+0085, U+00A0, U+1680,
    /// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F and U+3000 (the characters regex engines call \s).
    /// </summary>
    public static bool IsWhitespace(int codepoint) => codepoint switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    private static CodepointClass[] BuildBmpTable()
    {
        var table = new CodepointClass[0x10000];
        for (var c = 0; c < table.Length; c++)
            table[c] = Classify(c);
        return table;
    }

    private static CodepointClass Classify(int codepoint)
    {
        if (IsWhitespace(codepoint))
            return CodepointClass.Whitespace;
        if (codepoint is >= 0xD800 and <= 0xDFFF || codepoint > 0x10FFFF)
            return CodepointClass.Other;
        return CharUnicodeInfo.GetUnicodeCategory(codepoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodepointClass.Number,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodepointClass.Punctuation,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CodepointClass.Symbol,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodepointClass.Mark,
            _ => CodepointClass.Other,
        };
    }
}
