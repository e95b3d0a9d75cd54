using System.Globalization;
using System.Text;

namespace Toasted.Daemon.Configuration;

/// <summary>The four TOML string forms: basic, multi-line basic, literal, multi-line literal.</summary>
public sealed partial class TomlReader
{
    private string ReadBasicString()
    {
        var start = _index;
        _index++;
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd || _text[_index] is '\n' or '\r') throw Error(start, "the string is not closed on its line");
            var c = _text[_index];
            if (c == '"')
            {
                _index++;
                return text.ToString();
            }
            if (c == '\\') ReadEscape(text);
            else if (IsControl(c)) throw Error(_index, $"control character {Describe(_index)} must be escaped");
            else
            {
                text.Append(c);
                _index++;
            }
        }
    }

    private string ReadMultiLineBasicString()
    {
        var start = _index;
        _index += 3;
        // A newline right after the opening delimiter is not part of the string.
        TryConsumeNewline();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd) throw Error(start, "the multi-line string is not closed");
            var c = _text[_index];
            if (c == '"')
            {
                if (ReadQuotesOrClose('"', text)) return text.ToString();
            }
            else if (c == '\\')
            {
                if (!TrySkipLineEndingBackslash()) ReadEscape(text);
            }
            else if (c is '\n' or '\r') AppendNewline(text);
            else if (IsControl(c)) throw Error(_index, $"control character {Describe(_index)} must be escaped");
            else
            {
                text.Append(c);
                _index++;
            }
        }
    }

    private string ReadLiteralString()
    {
        var start = _index;
        _index++;
        while (true)
        {
            if (AtEnd || _text[_index] is '\n' or '\r') throw Error(start, "the string is not closed on its line");
            var c = _text[_index];
            if (c == '\'')
            {
                _index++;
                return _text[(start + 1)..(_index - 1)];
            }
            if (IsControl(c)) throw Error(_index, $"control character {Describe(_index)} is not allowed in a literal string");
            _index++;
        }
    }

    private string ReadMultiLineLiteralString()
    {
        var start = _index;
        _index += 3;
        TryConsumeNewline();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd) throw Error(start, "the multi-line string is not closed");
            var c = _text[_index];
            if (c == '\'')
            {
                if (ReadQuotesOrClose('\'', text)) return text.ToString();
            }
            else if (c is '\n' or '\r') AppendNewline(text);
            else if (IsControl(c)) throw Error(_index, $"control character {Describe(_index)} is not allowed in a literal string");
            else
            {
                text.Append(c);
                _index++;
            }
        }
    }

    /// <summary>A run of quote characters inside a multi-line string: one or two are content; three to
    /// five close the string, the first ones being content (<c>""""</c> is a quote, then the end).</summary>
    private bool ReadQuotesOrClose(char quote, StringBuilder text)
    {
        var run = 0;
        while (_index + run < _text.Length && _text[_index + run] == quote) run++;
        if (run > 5) throw Error(_index, "three quotes in a row inside a multi-line string must be broken up (escape one)");
        var content = run >= 3 ? run - 3 : run;
        text.Append(quote, content);
        _index += run;
        return run >= 3;
    }

    private void AppendNewline(StringBuilder text)
    {
        // Newlines are kept as written (LF or CRLF); TOML leaves normalising them to the reader.
        var start = _index;
        TryConsumeNewline();
        text.Append(_text, start, _index - start);
    }

    /// <summary>A backslash that is the last non-blank character on its line removes itself, the line
    /// break and all whitespace and newlines up to the next other character.</summary>
    private bool TrySkipLineEndingBackslash()
    {
        var next = _index + 1;
        while (next < _text.Length && _text[next] is ' ' or '\t') next++;
        if (next >= _text.Length || _text[next] is not ('\n' or '\r')) return false;
        _index = next;
        while (!AtEnd)
        {
            if (_text[_index] is ' ' or '\t') _index++;
            else if (!TryConsumeNewline()) break;
        }
        return true;
    }

    private void ReadEscape(StringBuilder text)
    {
        var start = _index;
        _index++;
        if (AtEnd) throw Error(start, "the escape sequence is cut off by the end of the file");
        var code = _text[_index++];
        switch (code)
        {
            case 'b': text.Append('\b'); break;
            case 't': text.Append('\t'); break;
            case 'n': text.Append('\n'); break;
            case 'f': text.Append('\f'); break;
            case 'r': text.Append('\r'); break;
            case '"': text.Append('"'); break;
            case '\\': text.Append('\\'); break;
            case 'u': text.Append(ReadUnicodeEscape(start, 4)); break;
            case 'U': text.Append(ReadUnicodeEscape(start, 8)); break;
            default:
                // Name unprintable characters and halves of surrogate pairs by code rather than echo them.
                var shown = char.IsControl(code) || char.IsSurrogate(code) ? $"U+{(int)code:X4}" : code.ToString();
                throw Error(start, $"'\\{shown}' is not a TOML escape sequence");
        }
    }

    private string ReadUnicodeEscape(int start, int digits)
    {
        var end = _index + digits;
        if (end > _text.Length || _text.AsSpan(_index, digits).ContainsAnyExcept(HexDigits))
            throw Error(start, $"'\\{_text[_index - 1]}' needs exactly {digits} hexadecimal digits");
        var value = long.Parse(_text.AsSpan(_index, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        if (value > 0x10FFFF || value is >= 0xD800 and <= 0xDFFF)
            throw Error(start, $"'\\{_text[(_index - 1)..end]}' is not a Unicode scalar value");
        _index = end;
        return char.ConvertFromUtf32((int)value);
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");
}
