using System.Globalization;
using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>The semantics shared by every operation on runtime values: truth, text, equality, order, iteration.</summary>
internal static class TemplateValue
{
    public static bool IsNumber(object value) => value is long or double;

    public static bool IsTruthy(object value) => value switch
    {
        TemplateUndefined or TemplateNone => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object> list => list.Count > 0,
        OrderedDictionary<object, object> dict => dict.Count > 0,
        _ => true,
    };

    public static string TypeName(object value) => value switch
    {
        TemplateUndefined => "undefined",
        TemplateNone => "none",
        bool => "boolean",
        long => "integer",
        double => "float",
        string => "string",
        List<object> => "list",
        OrderedDictionary<object, object> => "dict",
        TemplateNamespace => "namespace",
        TemplateCallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>What <c>{{ value }}</c> prints: Python's <c>str()</c>.</summary>
    public static string ToText(object value) => value switch
    {
        string s => s,
        TemplateUndefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>, which is also how containers print their items.</summary>
    public static string Repr(object value)
    {
        switch (value)
        {
            case TemplateUndefined: return "";
            case TemplateNone: return "None";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return PrintFloat(d);
            case string s: return QuoteString(s);
            case List<object> list: return "[" + string.Join(", ", list.Select(Repr)) + "]";
            case OrderedDictionary<object, object> dict:
                return "{" + string.Join(", ", dict.Select(kv => Repr(kv.Key) + ": " + Repr(kv.Value))) + "}";
            case TemplateNamespace ns:
                return "<Namespace " + string.Join(", ", ns.Attributes.Select(kv => kv.Key + "=" + Repr(kv.Value))) + ">";
            case TemplateCallable c: return "<function " + c.Name + ">";
            default: return value.ToString() ?? "";
        }
    }

    private static string QuoteString(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\');
                    sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>
    /// How llama.cpp's engine prints a float: C's <c>%f</c> (six decimals) with trailing zeros dropped
    /// but one kept after the point, so 0.1 + 0.2 prints "0.3" and 2.0 prints "2.0" (Python would
    /// print 0.30000000000000004). The prompt text must match llama.cpp's, so we print as it does.
    /// </summary>
    public static string PrintFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var text = d.ToString("F6", CultureInfo.InvariantCulture).TrimEnd('0');
        return text.EndsWith('.') ? text + "0" : text;
    }

    /// <summary>Shortest round-trip digits, always with a fraction or an exponent (JSON and Python repr).</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E');
        if (e < 0) return r.Contains('.') ? r : r + ".0";
        var exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        return r[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    public static double ToDouble(object value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new TemplateRuntimeException($"expected a number, got {TypeName(value)}"),
    };

    public static new bool Equals(object a, object b)
    {
        if (a is bool ba && b is bool bb) return ba == bb;
        if (IsNumeric(a) && IsNumeric(b)) return ToDouble(a) == ToDouble(b);
        return (a, b) switch
        {
            (string sa, string sb) => sa == sb,
            (TemplateNone, TemplateNone) => true,
            (TemplateUndefined, TemplateUndefined) => true,
            (List<object> la, List<object> lb) => la.Count == lb.Count && la.Zip(lb).All(p => Equals(p.First, p.Second)),
            (OrderedDictionary<object, object> da, OrderedDictionary<object, object> db) =>
                da.Count == db.Count && da.All(kv => db.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v)),
            _ => ReferenceEquals(a, b),
        };
    }

    private static bool IsNumeric(object v) => v is long or double or bool;

    public static int Compare(object a, object b)
    {
        if (IsNumeric(a) && IsNumeric(b)) return ToDouble(a).CompareTo(ToDouble(b));
        if (a is string sa && b is string sb) return string.CompareOrdinal(sa, sb);
        if (a is List<object> la && b is List<object> lb)
        {
            for (var i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                var c = Compare(la[i], lb[i]);
                if (c != 0) return c;
            }
            return la.Count.CompareTo(lb.Count);
        }
        throw new TemplateRuntimeException($"cannot compare {TypeName(a)} with {TypeName(b)}");
    }

    /// <summary>The items a for loop visits: list items, mapping keys, string characters; nothing for undefined/none.</summary>
    public static List<object> Iterate(object value) => value switch
    {
        List<object> list => [.. list],
        OrderedDictionary<object, object> dict => [.. dict.Keys],
        string s => [.. TextElements(s)],
        TemplateUndefined or TemplateNone => [],
        _ => throw new TemplateRuntimeException($"{TypeName(value)} is not iterable"),
    };

    /// <summary>A string's characters as Python sees them (code points, so surrogate pairs stay together).</summary>
    public static IEnumerable<object> TextElements(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                yield return s.Substring(i, 2);
                i++;
            }
            else
            {
                yield return s[i].ToString();
            }
        }
    }

    public static long Length(object value) => value switch
    {
        string s => s.EnumerateRunes().LongCount(),
        List<object> list => list.Count,
        OrderedDictionary<object, object> dict => dict.Count,
        TemplateUndefined => 0,
        _ => throw new TemplateRuntimeException($"{TypeName(value)} has no length"),
    };

    public static bool Contains(object container, object item) => container switch
    {
        _ when item is TemplateUndefined => false,
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal) : throw new TemplateRuntimeException($"'in <string>' needs a string, got {TypeName(item)}"),
        List<object> list => list.Any(x => Equals(x, item)),
        OrderedDictionary<object, object> dict => dict.ContainsKey(item),
        TemplateUndefined or TemplateNone => false,
        _ => throw new TemplateRuntimeException($"'in' is not supported for {TypeName(container)}"),
    };
}
