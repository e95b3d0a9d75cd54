using System.Globalization;
using System.Text;

namespace Toasted.Daemon.Tests.Configuration;

/// <summary>A generated document of the TOML subset we read: top-level pairs, then tables of pairs.
/// Values are string, long, double, bool or List&lt;object&gt; of values.</summary>
public sealed record TomlDocumentModel(
    IReadOnlyList<KeyValuePair<string, object>> RootPairs,
    IReadOnlyList<KeyValuePair<string, IReadOnlyList<KeyValuePair<string, object>>>> Tables,
    int StyleSeed);

/// <summary>A tiny TOML writer, independent of the reader, that varies the spelling of each value
/// (string forms, integer bases, array layout, comments) from the model's style seed.</summary>
public static class TomlDocumentSerializer
{
    public static string Write(TomlDocumentModel document)
    {
        var random = new Random(document.StyleSeed);
        var text = new StringBuilder();
        if (random.Next(2) == 0) text.Append("# generated\n");
        WritePairs(document.RootPairs, text, random);
        foreach (var (name, pairs) in document.Tables)
        {
            text.Append(random.Next(3) == 0 ? "\n[ " : "\n[").Append(Key(name, random)).Append(random.Next(3) == 0 ? " ]  # table\n" : "]\n");
            WritePairs(pairs, text, random);
        }
        return text.ToString();
    }

    private static void WritePairs(IReadOnlyList<KeyValuePair<string, object>> pairs, StringBuilder text, Random random)
    {
        foreach (var (key, value) in pairs)
        {
            text.Append(random.Next(4) == 0 ? "  " : "").Append(Key(key, random)).Append(random.Next(2) == 0 ? " = " : "=");
            Value(value, text, random);
            text.Append(random.Next(4) == 0 ? "  # comment \"'[]=\n" : random.Next(6) == 0 ? "\r\n" : "\n");
        }
    }

    private static string Key(string key, Random random)
    {
        var bare = key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
        if (bare && random.Next(4) != 0) return key;
        return CanBeLiteral(key) && random.Next(2) == 0 ? $"'{key}'" : BasicString(key);
    }

    private static void Value(object value, StringBuilder text, Random random)
    {
        switch (value)
        {
            case string s: text.Append(StringValue(s, random)); break;
            case long n: text.Append(Integer(n, random)); break;
            case double d: text.Append(Float(d)); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case List<object> items:
                var multiLine = random.Next(2) == 0;
                var trailingComma = random.Next(3) == 0;
                text.Append('[');
                for (var i = 0; i < items.Count; i++)
                {
                    text.Append(multiLine ? "\n    " : " ");
                    Value(items[i], text, random);
                    if (i < items.Count - 1 || trailingComma) text.Append(',');
                    // A comment runs to the end of the line, so only after the comma and only across lines.
                    if (multiLine && random.Next(3) == 0) text.Append(" # item");
                }
                text.Append(multiLine ? "\n]" : " ]");
                break;
            default: throw new ArgumentException("not a model value", nameof(value));
        }
    }

    private static string StringValue(string s, Random random)
    {
        var form = random.Next(4);
        if (form == 0 && CanBeLiteral(s)) return $"'{s}'";
        if (form == 1 && !s.Contains("'''", StringComparison.Ordinal) && !s.EndsWith('\'') && !s.Any(IsForbiddenInMultiLineLiteral))
            return "'''\n" + s + "'''";
        if (form == 2)
        {
            // Multi-line basic: the newline after the delimiter is trimmed; quotes and backslashes escaped.
            var body = new StringBuilder();
            foreach (var c in s)
            {
                if (c == '\n') body.Append('\n');
                else body.Append(Escape(c));
            }
            return "\"\"\"\n" + body + "\"\"\"";
        }
        return BasicString(s);
    }

    public static string BasicString(string s) => "\"" + string.Concat(s.Select(Escape)) + "\"";

    private static string Escape(char c) => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\t' => "\\t",
        '\b' => "\\b",
        '\r' => "\\r",
        '\f' => "\\f",
        < ' ' or '\u007F' => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
        _ => c.ToString(),
    };

    private static bool CanBeLiteral(string s) => !s.Contains('\'') && !s.Any(c => (c < ' ' && c != '\t') || c == '\u007F');

    private static bool IsForbiddenInMultiLineLiteral(char c) => (c < ' ' && c is not '\t' and not '\n') || c == '\u007F';

    private static string Integer(long n, Random random)
    {
        switch (random.Next(5))
        {
            case 0 when n >= 0: return "0x" + n.ToString(random.Next(2) == 0 ? "X" : "x", CultureInfo.InvariantCulture);
            case 1 when n >= 0: return "0o" + Convert.ToString(n, 8);
            case 2 when n >= 0: return "0b" + Convert.ToString(n, 2);
            case 3:
                // Underscores between every group of three digits.
                var digits = Math.Abs((decimal)n).ToString(CultureInfo.InvariantCulture);
                var grouped = new StringBuilder();
                for (var i = 0; i < digits.Length; i++)
                {
                    if (i > 0 && (digits.Length - i) % 3 == 0) grouped.Append('_');
                    grouped.Append(digits[i]);
                }
                return (n < 0 ? "-" : random.Next(2) == 0 ? "+" : "") + grouped;
            default: return n.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static string Float(double d)
    {
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }
}
