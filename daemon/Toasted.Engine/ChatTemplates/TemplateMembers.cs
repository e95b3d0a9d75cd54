using System.Globalization;
using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// <c>value.name</c>, <c>value[index]</c>, <c>value[a:b:c]</c>, and the Python methods templates call on
/// strings (<c>strip</c>, <c>split</c>, <c>format</c>…), mappings (<c>items</c>, <c>get</c>…) and lists (<c>append</c>…).
/// </summary>
internal static class TemplateMembers
{
    public static object GetAttribute(object target, string name)
    {
        switch (target)
        {
            case OrderedDictionary<object, object> dict:
                if (dict.TryGetValue(name, out var value)) return value;
                return DictMethod(dict, name) ?? (object)new TemplateUndefined(name);
            case TemplateNamespace ns:
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : new TemplateUndefined(name);
            case string s:
                return StringMethod(s, name) ?? (object)new TemplateUndefined(name);
            case List<object> list:
                return ListMethod(list, name) ?? (object)new TemplateUndefined(name);
            default:
                return new TemplateUndefined(name);
        }
    }

    public static object GetItem(object target, object index)
    {
        switch (target)
        {
            case OrderedDictionary<object, object> dict:
                return dict.TryGetValue(index, out var value) ? value : new TemplateUndefined(TemplateValue.ToText(index));
            case TemplateNamespace ns when index is string key:
                return ns.Attributes.TryGetValue(key, out var attribute) ? attribute : new TemplateUndefined(key);
            case List<object> list when index is long or bool:
            {
                var i = NormaliseIndex(index, list.Count);
                return i >= 0 && i < list.Count ? list[i] : new TemplateUndefined($"[{index}]");
            }
            case string s when index is long or bool:
            {
                var chars = TemplateValue.TextElements(s).ToList();
                var i = NormaliseIndex(index, chars.Count);
                return i >= 0 && i < chars.Count ? chars[i] : new TemplateUndefined($"[{index}]");
            }
            case List<object> or string when index is string name:
                return GetAttribute(target, name);
            default:
                return new TemplateUndefined($"[{TemplateValue.ToText(index)}]");
        }
    }

    private static int NormaliseIndex(object index, int count)
    {
        var i = index is bool b ? (b ? 1 : 0) : (int)(long)index;
        return i < 0 ? i + count : i;
    }

    public static object Slice(object target, object? start, object? stop, object? step)
    {
        var stepValue = step is null or TemplateNone ? 1 : (int)(long)step;
        if (stepValue == 0) throw new TemplateRuntimeException("slice step cannot be zero");
        var items = target switch
        {
            List<object> list => list,
            string s => TemplateValue.TextElements(s).ToList(),
            TemplateUndefined => [],
            _ => throw new TemplateRuntimeException($"{TemplateValue.TypeName(target)} cannot be sliced"),
        };
        var n = items.Count;
        int Bound(object? v, int fallback)
        {
            if (v is null or TemplateNone) return fallback;
            var i = (int)(long)v;
            if (i < 0) i += n;
            return stepValue > 0 ? Math.Clamp(i, 0, n) : Math.Clamp(i, -1, n - 1);
        }
        var from = Bound(start, stepValue > 0 ? 0 : n - 1);
        var to = Bound(stop, stepValue > 0 ? n : -1);
        var result = new List<object>();
        for (var i = from; stepValue > 0 ? i < to : i > to; i += stepValue) result.Add(items[i]);
        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    private static TemplateCallable Method(string name, Func<TemplateCallArguments, object> body) => new(name, body);

    private static string? OptionalString(TemplateCallArguments args, int position, string name) =>
        args.GetOrNull(position, name) is string s ? s : null;

    private static TemplateCallable? StringMethod(string s, string name) => name switch
    {
        "strip" => Method(name, a => OptionalString(a, 0, "chars") is { } chars ? s.Trim(chars.ToCharArray()) : s.Trim()),
        "lstrip" => Method(name, a => OptionalString(a, 0, "chars") is { } chars ? s.TrimStart(chars.ToCharArray()) : s.TrimStart()),
        "rstrip" => Method(name, a => OptionalString(a, 0, "chars") is { } chars ? s.TrimEnd(chars.ToCharArray()) : s.TrimEnd()),
        "upper" => Method(name, _ => s.ToUpperInvariant()),
        "lower" => Method(name, _ => s.ToLowerInvariant()),
        "title" => Method(name, _ => TemplateText.Title(s)),
        "capitalize" => Method(name, _ => TemplateText.Capitalize(s)),
        "split" => Method(name, a => Split(s, OptionalString(a, 0, "sep"), a.GetOrNull(1, "maxsplit") is long m ? (int)m : -1)),
        "rsplit" => Method(name, a => RightSplit(s, OptionalString(a, 0, "sep"), a.GetOrNull(1, "maxsplit") is long m ? (int)m : -1)),
        "splitlines" => Method(name, _ => TemplateText.SplitLines(s)),
        "startswith" => Method(name, a => AnyPrefix(a.Positional.FirstOrDefault(), p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => Method(name, a => AnyPrefix(a.Positional.FirstOrDefault(), p => s.EndsWith(p, StringComparison.Ordinal))),
        "replace" => Method(name, a => Replace(s, (string)a.Positional[0], (string)a.Positional[1], a.GetOrNull(2, "count") is long c ? (int)c : -1)),
        "find" => Method(name, a => (long)s.IndexOf((string)a.Positional[0], StringComparison.Ordinal)),
        "rfind" => Method(name, a => (long)s.LastIndexOf((string)a.Positional[0], StringComparison.Ordinal)),
        "count" => Method(name, a => (long)CountOccurrences(s, (string)a.Positional[0])),
        "join" => Method(name, a => string.Join(s, TemplateValue.Iterate(a.Positional[0]).Select(TemplateValue.ToText))),
        "format" => Method(name, a => Format(s, a)),
        "isdigit" => Method(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => Method(name, _ => s.Length > 0 && s.All(char.IsLetter)),
        "isspace" => Method(name, _ => s.Length > 0 && s.All(char.IsWhiteSpace)),
        "islower" => Method(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsUpper)),
        "isupper" => Method(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsLower)),
        _ => null,
    };

    private static bool AnyPrefix(object? argument, Func<string, bool> test) => argument switch
    {
        string p => test(p),
        List<object> options => options.OfType<string>().Any(test),
        _ => throw new TemplateRuntimeException("startswith/endswith need a string or a tuple of strings"),
    };

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        var count = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    public static string Replace(string s, string old, string replacement, int count)
    {
        if (count < 0) return old.Length == 0 ? s : s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder();
        var pos = 0;
        for (var done = 0; done < count; done++)
        {
            var i = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0) break;
            sb.Append(s, pos, i - pos).Append(replacement);
            pos = i + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    /// <summary>Python's <c>str.split</c>: with no separator, runs of whitespace split and ends are dropped.</summary>
    public static List<object> Split(string s, string? separator, int maxSplit)
    {
        var result = new List<object>();
        if (separator is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && result.Count == maxSplit)
                {
                    result.Add(s[i..].TrimEnd());
                    break;
                }
                var j = i;
                while (j < s.Length && !char.IsWhiteSpace(s[j])) j++;
                result.Add(s[i..j]);
                i = j;
            }
            return result;
        }
        if (separator.Length == 0) throw new TemplateRuntimeException("empty separator");
        var pos = 0;
        while (maxSplit < 0 || result.Count < maxSplit)
        {
            var k = s.IndexOf(separator, pos, StringComparison.Ordinal);
            if (k < 0) break;
            result.Add(s[pos..k]);
            pos = k + separator.Length;
        }
        result.Add(s[pos..]);
        return result;
    }

    private static List<object> RightSplit(string s, string? separator, int maxSplit)
    {
        if (separator is null || maxSplit < 0) return Split(s, separator, maxSplit);
        var result = new List<object>();
        var end = s.Length;
        while (result.Count < maxSplit)
        {
            var k = s.LastIndexOf(separator, Math.Max(end - 1, 0), StringComparison.Ordinal);
            if (k < 0 || end == 0) break;
            result.Insert(0, s[(k + separator.Length)..end]);
            end = k;
        }
        result.Insert(0, s[..end]);
        return result;
    }

    /// <summary>Python's <c>str.format</c> with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs).</summary>
    private static string Format(string format, TemplateCallArguments args)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            var close = format.IndexOf('}', i);
            if (close < 0) throw new TemplateRuntimeException("single '{' in format string");
            var field = format[(i + 1)..close];
            var colon = field.IndexOf(':');
            if (colon >= 0) field = field[..colon];
            object value;
            if (field.Length == 0) value = args.Positional[auto++];
            else if (int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) value = args.Positional[n];
            else value = args.Keyword.TryGetValue(field, out var v) ? v : throw new TemplateRuntimeException($"format field '{field}' is missing");
            sb.Append(TemplateValue.ToText(value));
            i = close;
        }
        return sb.ToString();
    }

    private static TemplateCallable? DictMethod(OrderedDictionary<object, object> dict, string name) => name switch
    {
        "items" => Method(name, _ => dict.Select(kv => (object)new List<object> { kv.Key, kv.Value }).ToList()),
        "keys" => Method(name, _ => dict.Keys.Select(k => (object)k).ToList()),
        "values" => Method(name, _ => dict.Values.ToList()),
        "get" => Method(name, a => dict.TryGetValue(a.Positional[0], out var v) ? v : a.Positional.Count > 1 ? a.Positional[1] : TemplateNone.Value),
        "pop" => Method(name, a =>
        {
            var key = a.Positional[0];
            if (dict.Remove(key, out var v)) return v;
            return a.Positional.Count > 1 ? a.Positional[1] : throw new TemplateRuntimeException($"key '{key}' not found");
        }),
        "update" => Method(name, a =>
        {
            if (a.Positional.Count > 0 && a.Positional[0] is OrderedDictionary<object, object> other)
                foreach (var (k, v) in other) dict[k] = v;
            foreach (var (k, v) in a.Keyword) dict[k] = v;
            return TemplateNone.Value;
        }),
        "copy" => Method(name, _ => new OrderedDictionary<object, object>(dict, TemplateKeyComparer.Instance)),
        _ => null,
    };

    private static TemplateCallable? ListMethod(List<object> list, string name) => name switch
    {
        "append" => Method(name, a => { list.Add(a.Positional[0]); return TemplateNone.Value; }),
        "extend" => Method(name, a => { list.AddRange(TemplateValue.Iterate(a.Positional[0])); return TemplateNone.Value; }),
        "insert" => Method(name, a => { list.Insert(Math.Clamp(NormaliseIndex(a.Positional[0], list.Count), 0, list.Count), a.Positional[1]); return TemplateNone.Value; }),
        "pop" => Method(name, a =>
        {
            if (list.Count == 0) throw new TemplateRuntimeException("pop from empty list");
            var i = a.Positional.Count > 0 ? NormaliseIndex(a.Positional[0], list.Count) : list.Count - 1;
            if (i < 0 || i >= list.Count) throw new TemplateRuntimeException("pop index out of range");
            var v = list[i];
            list.RemoveAt(i);
            return v;
        }),
        "index" => Method(name, a => (long)list.FindIndex(x => TemplateValue.Equals(x, a.Positional[0]))),
        "count" => Method(name, a => (long)list.Count(x => TemplateValue.Equals(x, a.Positional[0]))),
        _ => null,
    };
}
