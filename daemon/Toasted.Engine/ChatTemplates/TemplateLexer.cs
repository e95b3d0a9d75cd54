using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control the way llama.cpp's
/// chat-template engine does (the reference our renderings must match byte for byte):
/// <list type="bullet">
/// <item>line endings are normalised to <c>\n</c> and one trailing newline of the template is dropped;</item>
/// <item><c>lstrip_blocks</c>: spaces and tabs between the start of a line and a <c>{%</c> or <c>{#</c> tag are
/// removed (not before <c>{{</c>);</item>
/// <item><c>trim_blocks</c>: the first newline after a tag ending in <c>%}</c>, <c>#}</c> or <c>-}}</c> is removed
/// (not after a plain <c>}}</c>);</item>
/// <item><c>{%-</c>, <c>{{-</c>, <c>{#-</c> strip all whitespace before the tag, <c>-%}</c>, <c>-}}</c>, <c>-#}</c>
/// all whitespace after it.</item>
/// </list>
/// Comments produce no token.
/// </summary>
internal sealed class TemplateLexer
{
    private static readonly string[] Operators =
    [
        "**", "//", "==", "!=", "<=", ">=",
        "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "<", ">", "+", "-", "~", "*", "/", "%", "=",
    ];

    private readonly string _src;
    private readonly TemplateSource _source;
    private readonly List<TemplateToken> _tokens = [];
    private int _pos;

    private TemplateLexer(TemplateSource source)
    {
        _source = source;
        _src = source.Text;
    }

    public static (TemplateSource Source, List<TemplateToken> Tokens) Tokenize(string template)
    {
        var text = template.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (text.EndsWith('\n')) text = text[..^1];
        var source = new TemplateSource(text);
        var lexer = new TemplateLexer(source);
        lexer.Run();
        return (source, lexer._tokens);
    }

    private bool TagStartsAt(int i) =>
        i + 1 < _src.Length && _src[i] == '{' && (_src[i + 1] == '%' || _src[i + 1] == '{' || _src[i + 1] == '#');

    private void Run()
    {
        while (_pos < _src.Length)
        {
            ReadText();
            if (_pos >= _src.Length) break;
            var open = _pos;
            var kind = _src[_pos + 1];
            _pos += 2;
            if (_pos < _src.Length && _src[_pos] == '-') _pos++;
            if (kind == '#')
            {
                var close = _src.IndexOf("#}", _pos, StringComparison.Ordinal);
                if (close < 0) throw _source.Error("comment is not closed ('#}' missing)", open);
                _pos = close + 2;
                continue;
            }
            _tokens.Add(new TemplateToken(kind == '%' ? TemplateTokenKind.StatementOpen : TemplateTokenKind.ExpressionOpen, kind == '%' ? "{%" : "{{", open));
            ReadTagBody(kind == '%' ? '%' : '}', open);
        }
        _tokens.Add(new TemplateToken(TemplateTokenKind.End, "", _src.Length));
    }

    /// <summary>Text up to the next tag, with the whitespace rules of the tags on either side applied.</summary>
    private void ReadText()
    {
        var start = _pos;
        while (_pos < _src.Length && !TagStartsAt(_pos)) _pos++;
        var end = _pos;

        // lstrip_blocks: only a statement or comment tag eats the indentation before it.
        if (_pos + 1 < _src.Length && (_src[_pos + 1] == '%' || _src[_pos + 1] == '#'))
        {
            var current = end;
            while (current > start)
            {
                // The reference trims everything when the walk reaches the second character of the
                // template, whatever the first one is; kept so renderings agree.
                if (current == 1) { end = 0; break; }
                var c = _src[current - 1];
                if (c == '\n') { end = current; break; }
                if (!char.IsWhiteSpace(c)) break;
                current--;
            }
        }

        var text = _src[start..end];
        if (start >= 3)
        {
            // The tag just closed ends at start-1; its last three characters decide the trimming.
            var c0 = _src[start - 3];
            var c1 = _src[start - 2];
            var c2 = _src[start - 1];
            var trimsNewline = (c1 == '#' || c1 == '%' || c1 == '-') && c2 == '}';
            if (trimsNewline && text.StartsWith('\n')) text = text[1..];
            if (c0 == '-' && (c1 == '%' || c1 == '}' || c1 == '#') && c2 == '}') text = text.TrimStart(' ', '\t', '\r', '\n');
        }
        if (_pos + 2 < _src.Length && TagStartsAt(_pos) && _src[_pos + 2] == '-')
            text = text.TrimEnd(' ', '\t', '\r', '\n');
        if (text.Length > 0) _tokens.Add(new TemplateToken(TemplateTokenKind.Text, text, start));
    }

    private void ReadTagBody(char closer, int open)
    {
        while (true)
        {
            while (_pos < _src.Length && char.IsWhiteSpace(_src[_pos])) _pos++;
            if (_pos >= _src.Length) throw _source.Error("tag is not closed", open);
            var c = _src[_pos];
            var rest = _src.AsSpan(_pos);
            if (rest.StartsWith("-" + closer + "}") || rest.StartsWith(closer + "}"))
            {
                // "}}" inside a dict literal closes the literal, not the expression.
                if (closer != '}' || OpenBraces() == 0)
                {
                    var isTrim = c == '-';
                    _tokens.Add(new TemplateToken(closer == '%' ? TemplateTokenKind.StatementClose : TemplateTokenKind.ExpressionClose, closer == '%' ? "%}" : "}}", _pos));
                    _pos += isTrim ? 3 : 2;
                    return;
                }
            }
            if (c == '\'' || c == '"') { ReadString(c); continue; }
            if (char.IsAsciiDigit(c)) { ReadNumber(); continue; }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var s = _pos;
                while (_pos < _src.Length && (char.IsAsciiLetterOrDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
                _tokens.Add(new TemplateToken(TemplateTokenKind.Name, _src[s.._pos], s));
                continue;
            }
            string? op = null;
            foreach (var candidate in Operators)
            {
                if (!rest.StartsWith(candidate)) continue;
                op = candidate;
                break;
            }
            if (op is null) throw _source.Error($"unexpected character '{c}'", _pos);
            _tokens.Add(new TemplateToken(TemplateTokenKind.Operator, op, _pos));
            _pos += op.Length;
        }
    }

    /// <summary>Curly braces opened by dict literals in the current expression and not yet closed.</summary>
    private int OpenBraces()
    {
        var depth = 0;
        for (var i = _tokens.Count - 1; i >= 0; i--)
        {
            var t = _tokens[i];
            if (t.Kind == TemplateTokenKind.ExpressionOpen) break;
            if (t.IsOperator("{")) depth++;
            else if (t.IsOperator("}")) depth--;
        }
        return Math.Max(depth, 0);
    }

    private void ReadString(char quote)
    {
        var start = _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length) throw _source.Error("string literal is not closed", start);
            var c = _src[_pos++];
            if (c == quote) break;
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _src.Length) throw _source.Error("unexpected end of template after '\\'", _pos);
            var e = _src[_pos++];
            sb.Append(e switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'b' => '\b',
                'f' => '\f',
                'v' => '\v',
                '\\' or '\'' or '"' => e,
                _ => throw _source.Error($"unknown escape sequence '\\{e}'", _pos - 2),
            });
        }
        _tokens.Add(new TemplateToken(TemplateTokenKind.String, sb.ToString(), start));
    }

    private void ReadNumber()
    {
        var start = _pos;
        while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
        if (_pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            _pos++;
            while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
            _tokens.Add(new TemplateToken(TemplateTokenKind.Float, _src[start.._pos], start));
            return;
        }
        _tokens.Add(new TemplateToken(TemplateTokenKind.Integer, _src[start.._pos], start));
    }
}
