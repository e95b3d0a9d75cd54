using System.Globalization;
using System.Text;

namespace Toasted.Daemon.Configuration;

/// <summary>Writes values as TOML source text, so printed configuration can be read back.</summary>
public static class TomlText
{
    /// <summary>A basic string with everything TOML requires escaped.</summary>
    public static string BasicString(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ' or '\u007F': text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        return text.Append('"').ToString();
    }
}
