using System.Buffers;
using System.Text.Unicode;

namespace Toasted.Daemon.Configuration;

/// <summary>
/// A strict reader for the part of TOML 1.0 that configuration files need: comments, <c>[table]</c>
/// headers, bare, quoted and dotted keys, the four string forms, integers, floats, booleans and
/// arrays. Dates and times, inline tables and arrays of tables are refused with a clear message
/// rather than half-supported. Every error is a <see cref="ConfigurationFileException"/> naming the
/// file, line and column; nothing else escapes, whatever the bytes.
/// </summary>
public sealed partial class TomlReader
{
    // Deep enough for any configuration, shallow enough that a hostile file cannot exhaust the stack.
    private const int MaxArrayDepth = 64;

    private readonly string _text;
    private readonly string _filePath;
    private readonly int[] _lineStarts;
    private readonly TomlTable _root = new(new TomlPosition(1, 1), TomlTableOrigin.Header);
    private int _index;

    private TomlReader(string text, string filePath)
    {
        _text = text;
        _filePath = filePath;
        _lineStarts = LineStarts(text);
    }

    /// <summary>Reads a UTF-8 document; invalid UTF-8 is an error at the first bad byte.</summary>
    public static TomlTable Read(ReadOnlySpan<byte> utf8, string filePath)
    {
        // A byte-order mark is an encoding signature, not content; some editors write one.
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var chars = ArrayPool<char>.Shared.Rent(utf8.Length + 1);
        try
        {
            var status = Utf8.ToUtf16(utf8, chars, out _, out var written, replaceInvalidSequences: false);
            var text = new string(chars, 0, written);
            if (status != OperationStatus.Done)
            {
                // The text decoded so far ends exactly where the invalid byte starts.
                var reader = new TomlReader(text, filePath);
                throw reader.Error(text.Length, "the file is not valid UTF-8");
            }
            return Parse(text, filePath);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Reads a document already decoded; <paramref name="filePath"/> only names it in errors.</summary>
    public static TomlTable Parse(string text, string filePath) => new TomlReader(text, filePath).ReadDocument();

    private bool AtEnd => _index >= _text.Length;

    private TomlTable ReadDocument()
    {
        var current = _root;
        while (true)
        {
            SkipWhitespace();
            if (AtEnd) return _root;
            var c = _text[_index];
            if (c == '[') current = ReadTableHeader();
            else if (c != '#' && c != '\n' && c != '\r') ReadKeyValue(current);
            ExpectEndOfLine();
        }
    }

    /// <summary>After a header or a key/value pair only whitespace and a comment may follow on the line.</summary>
    private void ExpectEndOfLine()
    {
        SkipWhitespace();
        if (!AtEnd && _text[_index] == '#') SkipComment();
        if (AtEnd || TryConsumeNewline()) return;
        throw Error(_index, $"expected the end of the line, found {Describe(_index)}");
    }

    private TomlTable ReadTableHeader()
    {
        var start = _index;
        _index++;
        if (!AtEnd && _text[_index] == '[') throw Error(start, "arrays of tables ([[...]]) are not supported");
        var key = ReadKey();
        if (AtEnd || _text[_index] != ']') throw Error(_index, $"expected ']' to close the table header, found {Describe(_index)}");
        _index++;

        var table = _root;
        for (var part = 0; part < key.Count - 1; part++)
        {
            table = Descend(table, key, part, create: TomlTableOrigin.Implicit, mayEnter: _ => true);
        }
        var last = key[^1];
        var name = DottedName(key, key.Count);
        if (table.TryGetValue(last.Name, out var existing))
        {
            if (existing is not TomlTable defined)
                throw Error(start, $"'{name}' is already a value (line {table.PositionOf(last.Name).Line}), not a table");
            if (defined.Origin != TomlTableOrigin.Implicit)
                throw Error(start, $"table [{name}] is already defined (line {defined.Position.Line})");
            defined.Origin = TomlTableOrigin.Header;
            defined.Position = PositionAt(start);
            return defined;
        }
        var created = new TomlTable(PositionAt(start), TomlTableOrigin.Header);
        table.Add(last.Name, created, PositionAt(start));
        return created;
    }

    private void ReadKeyValue(TomlTable table)
    {
        var key = ReadKey();
        if (AtEnd || _text[_index] != '=') throw Error(_index, $"expected '=' after the key, found {Describe(_index)}");
        _index++;
        SkipWhitespace();
        var value = ReadValue(depth: 0);

        for (var part = 0; part < key.Count - 1; part++)
        {
            // Dotted keys may only extend tables that dotted keys created: a [header] table is closed to them.
            table = Descend(table, key, part, create: TomlTableOrigin.DottedKey, mayEnter: t => t.Origin == TomlTableOrigin.DottedKey);
        }
        var last = key[^1];
        if (table.TryGetValue(last.Name, out _))
            throw Error(last.Index, $"key '{DottedName(key, key.Count)}' is defined twice (first on line {table.PositionOf(last.Name).Line})");
        table.Add(last.Name, value, PositionAt(key[0].Index));
    }

    private TomlTable Descend(TomlTable table, List<KeyPart> key, int part, TomlTableOrigin create, Func<TomlTable, bool> mayEnter)
    {
        var (name, index) = key[part];
        if (!table.TryGetValue(name, out var existing))
        {
            var created = new TomlTable(PositionAt(index), create);
            table.Add(name, created, PositionAt(index));
            return created;
        }
        var path = DottedName(key, part + 1);
        if (existing is not TomlTable child)
            throw Error(index, $"'{path}' is already a value (line {table.PositionOf(name).Line}), not a table");
        if (!mayEnter(child))
            throw Error(index, $"table [{path}] is defined by a header (line {child.Position.Line}); a dotted key cannot add to it");
        return child;
    }

    private readonly record struct KeyPart(string Name, int Index);

    /// <summary>A simple or dotted key; leaves the position after the trailing whitespace.</summary>
    private List<KeyPart> ReadKey()
    {
        var parts = new List<KeyPart>();
        while (true)
        {
            SkipWhitespace();
            parts.Add(ReadSimpleKey());
            SkipWhitespace();
            if (AtEnd || _text[_index] != '.') return parts;
            _index++;
        }
    }

    private KeyPart ReadSimpleKey()
    {
        var start = _index;
        if (AtEnd) throw Error(start, "expected a key, found the end of the file");
        switch (_text[start])
        {
            case '"':
                if (StartsWith("\"\"\"")) throw Error(start, "a key cannot be a multi-line string");
                return new KeyPart(ReadBasicString(), start);
            case '\'':
                if (StartsWith("'''")) throw Error(start, "a key cannot be a multi-line string");
                return new KeyPart(ReadLiteralString(), start);
        }
        while (!AtEnd && IsBareKeyCharacter(_text[_index])) _index++;
        if (_index == start) throw Error(start, $"expected a key, found {Describe(start)}");
        return new KeyPart(_text[start.._index], start);
    }

    private static bool IsBareKeyCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private static string DottedName(List<KeyPart> key, int count) =>
        string.Join('.', key.Take(count).Select(part => part.Name.Length > 0 && part.Name.All(IsBareKeyCharacter) ? part.Name : $"\"{part.Name}\""));

    private void SkipWhitespace()
    {
        while (!AtEnd && _text[_index] is ' ' or '\t') _index++;
    }

    /// <summary>Between array elements: whitespace, newlines and comments.</summary>
    private void SkipWhitespaceNewlinesAndComments()
    {
        while (!AtEnd)
        {
            SkipWhitespace();
            if (AtEnd) return;
            if (_text[_index] == '#') SkipComment();
            else if (!TryConsumeNewline()) return;
        }
    }

    /// <summary>Consumes LF or CRLF; a carriage return alone is an error, as TOML allows no other newline.</summary>
    private bool TryConsumeNewline()
    {
        if (AtEnd) return false;
        if (_text[_index] == '\n')
        {
            _index++;
            return true;
        }
        if (_text[_index] != '\r') return false;
        if (_index + 1 < _text.Length && _text[_index + 1] == '\n')
        {
            _index += 2;
            return true;
        }
        throw Error(_index, "a carriage return must be followed by a line feed");
    }

    private void SkipComment()
    {
        _index++;
        while (!AtEnd && _text[_index] != '\n')
        {
            var c = _text[_index];
            if (c == '\r' && _index + 1 < _text.Length && _text[_index + 1] == '\n') return;
            if (IsControl(c)) throw Error(_index, $"control character {Describe(_index)} is not allowed in a comment");
            _index++;
        }
    }

    /// <summary>Control characters TOML forbids unescaped: all but tab, and DEL.</summary>
    private static bool IsControl(char c) => (c < 0x20 && c != '\t') || c == 0x7F;

    private bool StartsWith(string prefix) => _text.AsSpan(_index).StartsWith(prefix, StringComparison.Ordinal);

    private string Describe(int index)
    {
        if (index >= _text.Length) return "the end of the file";
        var c = _text[index];
        if (c == '\n' || c == '\r') return "the end of the line";
        return char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";
    }

    private ConfigurationFileException Error(int index, string reason)
    {
        var position = PositionAt(index);
        return new ConfigurationFileException(_filePath, position.Line, position.Column, reason);
    }

    private TomlPosition PositionAt(int index)
    {
        var line = Array.BinarySearch(_lineStarts, index);
        if (line < 0) line = ~line - 1;
        var lineStart = _lineStarts[line];
        var end = Math.Min(index, _text.Length);
        var column = 1;
        for (var i = lineStart; i < end; i++)
        {
            if (!char.IsLowSurrogate(_text[i])) column++;
        }
        return new TomlPosition(line + 1, column);
    }

    private static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') starts.Add(i + 1);
        }
        return [.. starts];
    }
}
