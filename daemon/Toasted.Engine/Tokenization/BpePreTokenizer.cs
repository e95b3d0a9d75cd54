using System.Text;
using System.Text.RegularExpressions;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// Splits a raw fragment into pre-tokens (the words BPE merges within) with a list of expressions
/// applied in turn, as llama.cpp's unicode_regex_split does: each expression splits every piece left by
/// the previous one into its matches and the unmatched runs between them.
/// <para>
/// The expressions run over a projection of the text with one UTF-16 unit per code point, so that
/// characters outside the Basic Multilingual Plane (emoji) are never torn apart by .NET's UTF-16
/// matching. Like llama.cpp, an expression that uses Unicode categories (<c>\p{L}</c>, …) sees every
/// non-ASCII code point as one representative character of its class (whitespace becomes \v); this keeps
/// category membership identical to llama.cpp's tables (e.g. a supplementary letter is a letter).
/// Other expressions see the code points themselves, with non-ASCII whitespace as \v and supplementary
/// code points as U+FFFF.
/// </para>
/// </summary>
public sealed class BpePreTokenizer
{
    private const char SupplementaryStandIn = '\uFFFF';

    private readonly Pass[] _passes;

    public BpePreTokenizer(IReadOnlyList<string> expressions)
    {
        _passes = new Pass[expressions.Count];
        for (var i = 0; i < expressions.Count; i++)
        {
            var expression = expressions[i];
            var usesCategories = expression.Contains(@"\p{", StringComparison.Ordinal);
            _passes[i] = new Pass(
                new Regex(usesCategories ? WithLlamaCppSymbolClass(expression) : expression, RegexOptions.CultureInvariant | RegexOptions.Compiled),
                usesCategories);
        }
    }

    /// <summary>Appends the pre-tokens of <paramref name="text"/> as (start, length) in UTF-16 units.</summary>
    public void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words)
    {
        if (text.IsEmpty)
            return;

        // codepointStarts[i] is where code point i begins in the text; one extra entry for the end.
        var runes = ReadRunes(text);
        var count = runes.Count;
        var codepointStarts = new int[count + 1];
        for (var i = 0; i < count; i++)
            codepointStarts[i] = runes[i].Offset;
        codepointStarts[count] = text.Length;
        // Each projection is built only if one of the passes reads it.
        string? projectedByClass = null;
        string? projectedByCodepoint = null;

        // Piece lengths in code points; each pass refines the previous list.
        var pieces = new List<int> { count };
        var refined = new List<int>();
        foreach (var pass in _passes)
        {
            var projected = pass.UsesCategories
                ? projectedByClass ??= Project(runes, static rune => ClassStandIn(rune.Value))
                : projectedByCodepoint ??= Project(runes, CodepointStandIn);
            refined.Clear();
            var start = 0;
            foreach (var length in pieces)
            {
                SplitPiece(pass.Expression, projected.AsSpan(start, length), refined);
                start += length;
            }
            (pieces, refined) = (refined, pieces);
        }

        var position = 0;
        foreach (var length in pieces)
        {
            var begin = codepointStarts[position];
            words.Add((begin, codepointStarts[position + length] - begin));
            position += length;
        }
    }

    /// <summary>
    /// llama.cpp's ASCII symbols are <c>$+&lt;=&gt;^`|</c>: unlike Unicode it leaves '~' out of \p{S}.
    /// Every \p{S} becomes that list plus the stand-in for non-ASCII symbols, bracketed when it is not
    /// already inside a character class (classes do not nest in these expressions).
    /// </summary>
    private static string WithLlamaCppSymbolClass(string expression)
    {
        const string Symbol = @"\p{S}";
        const string LlamaCppSymbols = @"\$\+<=>\^`\|\u00A2";
        if (!expression.Contains(Symbol, StringComparison.Ordinal))
            return expression;
        var rewritten = new StringBuilder(expression.Length + 32);
        var insideClass = false;
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\\' && i + 1 < expression.Length)
            {
                if (string.CompareOrdinal(expression, i, Symbol, 0, Symbol.Length) == 0)
                {
                    rewritten.Append(insideClass ? LlamaCppSymbols : "[" + LlamaCppSymbols + "]");
                    i += Symbol.Length - 1;
                    continue;
                }
                rewritten.Append(c).Append(expression[++i]);
                continue;
            }
            if (c == '[')
                insideClass = true;
            else if (c == ']')
                insideClass = false;
            rewritten.Append(c);
        }
        return rewritten.ToString();
    }

    private static void SplitPiece(Regex expression, ReadOnlySpan<char> piece, List<int> lengths)
    {
        var end = 0;
        foreach (var match in expression.EnumerateMatches(piece))
        {
            if (match.Length == 0)
                continue;
            if (match.Index > end)
                lengths.Add(match.Index - end);
            lengths.Add(match.Length);
            end = match.Index + match.Length;
        }
        if (end < piece.Length)
            lengths.Add(piece.Length - end);
    }

    private static string Project(List<(int Offset, Rune Rune)> runes, Func<Rune, char> standIn)
    {
        var projected = new StringBuilder(runes.Count);
        foreach (var (_, rune) in runes)
            projected.Append(standIn(rune));
        return projected.ToString();
    }

    private static List<(int Offset, Rune Rune)> ReadRunes(ReadOnlySpan<char> text)
    {
        var runes = new List<(int, Rune)>(text.Length);
        var offset = 0;
        while (offset < text.Length)
        {
            // Lone surrogates cannot reach here (the tokenizer replaces them first); U+FFFD is the safe reading.
            if (Rune.DecodeFromUtf16(text[offset..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                rune = Rune.ReplacementChar;
            runes.Add((offset, rune));
            offset += Math.Max(consumed, 1);
        }
        return runes;
    }

    /// <summary>ASCII stays itself; every other code point becomes a character of the same class,
    /// chosen outside ASCII so that explicit ASCII ranges in an expression never match it.</summary>
    private static char ClassStandIn(int codepoint)
    {
        if (codepoint < 0x80)
            return (char)codepoint;
        return CodepointClasses.Of(codepoint) switch
        {
            CodepointClass.Whitespace => '\v',
            CodepointClass.Letter => '\u00AA',      // ª, Lo
            CodepointClass.Number => '\u00B2',      // ², No
            CodepointClass.Punctuation => '\u00A1', // ¡, Po
            CodepointClass.Symbol => '\u00A2',      // ¢, Sc
            CodepointClass.Mark => '\u0300',        // combining grave accent, Mn
            _ => '\u0080',                          // a C1 control, Cc
        };
    }

    private static char CodepointStandIn(Rune rune)
    {
        if (!rune.IsBmp)
            return SupplementaryStandIn;
        if (rune.Value >= 0x80 && CodepointClasses.IsWhitespace(rune.Value))
            return '\v';
        return (char)rune.Value;
    }

    private readonly record struct Pass(Regex Expression, bool UsesCategories);
}
