using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>Python string operations that have no one-call .NET equivalent.</summary>
internal static class TemplateText
{
    /// <summary>Python's <c>str.title()</c>: upper-case after any non-letter, lower-case elsewhere.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousIsLetter = false;
        foreach (var c in s)
        {
            sb.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>: first character upper-case, the rest lower-case.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    public static List<object> SplitLines(string s)
    {
        var lines = s.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').Select(x => (object)x).ToList();
        if (lines.Count > 0 && (string)lines[^1] == "") lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>Jinja's <c>indent</c>: every line but the first (unless <paramref name="first"/>) gets the prefix; blank lines only when <paramref name="blank"/>.</summary>
    public static string Indent(string s, string prefix, bool first, bool blank)
    {
        var lines = s.Split('\n');
        var sb = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) sb.Append('\n');
            var line = lines[i];
            var indent = (i > 0 || first) && (blank || line.Length > 0);
            if (indent) sb.Append(prefix);
            sb.Append(line);
        }
        return sb.ToString();
    }
}
