using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// <c>tojson</c> as the Hugging Face templates expect it (Python's <c>json.dumps</c> with
/// <c>ensure_ascii=False</c>): <c>", "</c> and <c>": "</c> separators on one line, or with
/// <c>indent</c> one item per line and <c>","</c> at line ends; keys in insertion order. Also JSON text
/// to values, for <c>from_json</c> and for conversations given as JSON.
/// </summary>
internal static class TemplateJson
{
    /// <summary>Layout of the JSON text: indentation (null: one line), separators, and whether non-ASCII is escaped.</summary>
    public sealed record Style(int? Indent, string ItemSeparator, string KeySeparator, bool EnsureAscii);

    public static string Serialize(object value, int? indent) =>
        Serialize(value, new Style(indent, indent is null ? ", " : ",", ": ", false));

    public static string Serialize(object value, Style style)
    {
        var sb = new StringBuilder();
        Write(sb, value, style, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object value, Style style, int depth)
    {
        var indent = style.Indent;
        switch (value)
        {
            case TemplateNone or TemplateUndefined:
                sb.Append("null");
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                return;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : TemplateValue.FormatFloat(d));
                return;
            case string s:
                WriteString(sb, s, style.EnsureAscii);
                return;
            case List<object> list:
                WriteContainer(sb, '[', ']', list.Count, style, depth, i => Write(sb, list[i], style, depth + 1));
                return;
            case OrderedDictionary<object, object> dict:
            {
                var entries = dict.ToList();
                WriteContainer(sb, '{', '}', entries.Count, style, depth, i =>
                {
                    WriteString(sb, entries[i].Key as string ?? TemplateValue.ToText(entries[i].Key), style.EnsureAscii);
                    sb.Append(style.KeySeparator);
                    Write(sb, entries[i].Value, style, depth + 1);
                });
                return;
            }
            case TemplateNamespace ns:
                Write(sb, new OrderedDictionary<object, object>(ns.Attributes.Select(kv => new KeyValuePair<object, object>(kv.Key, kv.Value)), TemplateKeyComparer.Instance), style, depth);
                return;
            default:
                throw new TemplateRuntimeException($"{TemplateValue.TypeName(value)} cannot be converted to JSON");
        }
    }

    private static void WriteContainer(StringBuilder sb, char open, char close, int count, Style style, int depth, Action<int> writeItem)
    {
        var indent = style.Indent;
        sb.Append(open);
        if (count == 0)
        {
            sb.Append(close);
            return;
        }
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(style.ItemSeparator);
            if (indent is { } n) sb.Append('\n').Append(' ', n * (depth + 1));
            writeItem(i);
        }
        if (indent is { } m) sb.Append('\n').Append(' ', m * depth);
        sb.Append(close);
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // With ensure_ascii every UTF-16 unit above 0x7F is escaped (astral characters as surrogate pairs, as Python does).
                    if (c < 0x20 || (ensureAscii && c > 0x7E)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    public static object Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromElement(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new TemplateRuntimeException("invalid JSON: " + e.Message);
        }
    }

    public static object FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new OrderedDictionary<object, object>(TemplateKeyComparer.Instance), (dict, p) => { dict[p.Name] = FromElement(p.Value); return dict; }),
        JsonValueKind.Array => element.EnumerateArray().Select(FromElement).ToList(),
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => TemplateNone.Value,
    };
}
