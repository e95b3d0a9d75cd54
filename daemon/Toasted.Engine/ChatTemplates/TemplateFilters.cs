using System.Globalization;

namespace Toasted.Engine.ChatTemplates;

/// <summary>The filters (<c>value | name(…)</c>) real chat templates use, with Jinja's semantics.</summary>
internal static class TemplateFilters
{
    private delegate object Filter(object value, TemplateCallArguments args);

    private static readonly Dictionary<string, Filter> Filters = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a) => a.GetOrNull(0, "chars") is string chars ? Text(v).Trim(chars.ToCharArray()) : Text(v).Trim(),
        ["upper"] = (v, _) => Text(v).ToUpperInvariant(),
        ["lower"] = (v, _) => Text(v).ToLowerInvariant(),
        ["title"] = (v, _) => TemplateText.Title(Text(v)),
        ["capitalize"] = (v, _) => TemplateText.Capitalize(Text(v)),
        ["length"] = (v, _) => TemplateValue.Length(v),
        ["count"] = (v, _) => TemplateValue.Length(v),
        ["string"] = (v, _) => TemplateValue.ToText(v),
        ["safe"] = (v, _) => v,
        ["e"] = (v, _) => v,
        ["escape"] = (v, _) => v,
        ["list"] = (v, _) => TemplateValue.Iterate(v),
        ["first"] = (v, _) => TemplateValue.Iterate(v) is { Count: > 0 } items ? items[0] : new TemplateUndefined("first"),
        ["last"] = (v, _) => TemplateValue.Iterate(v) is { Count: > 0 } items ? items[^1] : new TemplateUndefined("last"),
        ["reverse"] = (v, _) => v is string s ? new string(s.Reverse().ToArray()) : Enumerable.Reverse(TemplateValue.Iterate(v)).ToList(),
        ["join"] = Join,
        ["replace"] = (v, a) => TemplateMembers.Replace(Text(v), Text(a.Positional[0]), Text(a.Positional[1]), a.GetOrNull(2, "count") is long c ? (int)c : -1),
        ["default"] = Default,
        ["d"] = Default,
        ["items"] = (v, _) => v is OrderedDictionary<object, object> dict
            ? dict.Select(kv => (object)new List<object> { kv.Key, kv.Value }).ToList()
            : v is TemplateUndefined ? [] : throw new TemplateRuntimeException($"items needs a mapping, got {TemplateValue.TypeName(v)}"),
        ["dictsort"] = DictSort,
        ["tojson"] = ToJson,
        ["from_json"] = (v, _) => TemplateJson.Parse(Text(v)),
        ["int"] = ToInteger,
        ["float"] = ToFloat,
        ["abs"] = (v, _) => v switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), _ => throw new TemplateRuntimeException($"abs needs a number, got {TemplateValue.TypeName(v)}") },
        ["round"] = Round,
        ["unique"] = (v, _) => TemplateValue.Iterate(v).Aggregate(new List<object>(), (acc, x) => { if (!acc.Any(y => TemplateValue.Equals(x, y))) acc.Add(x); return acc; }),
        ["sort"] = Sort,
        ["min"] = (v, _) => TemplateValue.Iterate(v) is { Count: > 0 } items ? items.Aggregate((x, y) => TemplateValue.Compare(y, x) < 0 ? y : x) : new TemplateUndefined("min"),
        ["max"] = (v, _) => TemplateValue.Iterate(v) is { Count: > 0 } items ? items.Aggregate((x, y) => TemplateValue.Compare(y, x) > 0 ? y : x) : new TemplateUndefined("max"),
        ["sum"] = (v, _) => TemplateValue.Iterate(v).Aggregate((object)0L, (acc, x) => TemplateOperators.Binary("+", acc, x)),
        ["indent"] = (v, a) => TemplateText.Indent(Text(v), a.Get(0, "width", 4L) is string p ? p : new string(' ', (int)(long)a.Get(0, "width", 4L)), TemplateValue.IsTruthy(a.Get(1, "first", false)), TemplateValue.IsTruthy(a.Get(2, "blank", false))),
        ["wordcount"] = (v, _) => (long)TemplateMembers.Split(Text(v), null, -1).Count,
        ["batch"] = Batch,
        ["map"] = Map,
        ["select"] = (v, a) => Select(v, a, keep: true),
        ["reject"] = (v, a) => Select(v, a, keep: false),
        ["selectattr"] = (v, a) => SelectAttribute(v, a, keep: true),
        ["rejectattr"] = (v, a) => SelectAttribute(v, a, keep: false),
        ["attr"] = (v, a) => TemplateMembers.GetAttribute(v, Text(a.Positional[0])),
    };

    public static object Apply(string name, object value, TemplateCallArguments args) =>
        Filters.TryGetValue(name, out var filter) ? filter(value, args) : throw new TemplateRuntimeException($"unknown filter '{name}'");

    private static string Text(object v) => TemplateValue.ToText(v);

    /// <summary>
    /// <c>tojson</c> with llama.cpp's options: <c>indent</c>, <c>separators</c> (item, key) and
    /// <c>ensure_ascii</c> as keywords; defaults <c>", "</c> (<c>","</c> when indented) and <c>": "</c>.
    /// A positional integer is Jinja's indent.
    /// </summary>
    private static object ToJson(object value, TemplateCallArguments args)
    {
        int? indent = args.Keyword.GetValueOrDefault("indent") is long keywordIndent ? (int)keywordIndent
            : args.Positional.Count > 0 && args.Positional[0] is long positionalIndent ? (int)positionalIndent : null;
        if (args.Keyword.TryGetValue("sort_keys", out var sort) && TemplateValue.IsTruthy(sort))
            throw new TemplateRuntimeException("tojson sort_keys=true is not supported");
        var ensureAscii = args.Keyword.TryGetValue("ensure_ascii", out var ascii) && TemplateValue.IsTruthy(ascii);
        var separators = args.Keyword.GetValueOrDefault("separators") as List<object> ?? [];
        var itemSeparator = separators.Count > 0 ? Text(separators[0]) : indent is null ? ", " : ",";
        var keySeparator = separators.Count > 1 ? Text(separators[1]) : ": ";
        return TemplateJson.Serialize(value, new TemplateJson.Style(indent, itemSeparator, keySeparator, ensureAscii));
    }

    private static object Join(object value, TemplateCallArguments args)
    {
        var separator = Text(args.Get(0, "d", ""));
        var items = TemplateValue.Iterate(value);
        if (args.GetOrNull(1, "attribute") is { } attribute)
            items = items.Select(x => Lookup(x, attribute)).ToList();
        return string.Join(separator, items.Select(Text));
    }

    private static object Default(object value, TemplateCallArguments args)
    {
        var fallback = args.Get(0, "default_value", "");
        var boolean = TemplateValue.IsTruthy(args.Get(1, "boolean", false));
        if (value is TemplateUndefined) return fallback;
        if (boolean && !TemplateValue.IsTruthy(value)) return fallback;
        return value;
    }

    private static object DictSort(object value, TemplateCallArguments args)
    {
        if (value is not OrderedDictionary<object, object> dict) throw new TemplateRuntimeException($"dictsort needs a mapping, got {TemplateValue.TypeName(value)}");
        // llama.cpp's engine always sorts case-sensitively; prompts must sort as there.
        const bool caseSensitive = true;
        var byValue = args.Get(1, "by", "key") is "value";
        var reverse = TemplateValue.IsTruthy(args.Get(2, "reverse", false));
        var pairs = dict.Select(kv => new List<object> { kv.Key, kv.Value }).ToList();
        pairs.Sort((x, y) => SortCompare(byValue ? x[1] : x[0], byValue ? y[1] : y[0], caseSensitive));
        if (reverse) pairs.Reverse();
        return pairs.Cast<object>().ToList();
    }

    private static int SortCompare(object x, object y, bool caseSensitive)
    {
        if (!caseSensitive && x is string sx && y is string sy) return string.CompareOrdinal(sx.ToLowerInvariant(), sy.ToLowerInvariant());
        return TemplateValue.Compare(x, y);
    }

    private static object Sort(object value, TemplateCallArguments args)
    {
        var reverse = TemplateValue.IsTruthy(args.Get(0, "reverse", false));
        var caseSensitive = TemplateValue.IsTruthy(args.Get(1, "case_sensitive", false));
        var attribute = args.GetOrNull(2, "attribute");
        var items = TemplateValue.Iterate(value);
        // A stable sort, as Python's.
        var sorted = items.Select((x, i) => (x, i)).ToList();
        sorted.Sort((a, b) =>
        {
            var c = SortCompare(attribute is null ? a.x : Lookup(a.x, attribute), attribute is null ? b.x : Lookup(b.x, attribute), caseSensitive);
            return c != 0 ? c : a.i.CompareTo(b.i);
        });
        var result = sorted.Select(p => p.x).ToList();
        if (reverse) result.Reverse();
        return result;
    }

    private static object ToInteger(object value, TemplateCallArguments args)
    {
        var fallback = args.Get(0, "default", 0L);
        return value switch
        {
            long l => l,
            double d => (long)Math.Truncate(d),
            bool b => b ? 1L : 0L,
            string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
            _ => fallback,
        };
    }

    private static object ToFloat(object value, TemplateCallArguments args)
    {
        var fallback = args.Get(0, "default", 0.0);
        return value switch
        {
            long l => (double)l,
            double d => d,
            bool b => b ? 1.0 : 0.0,
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => fallback,
        };
    }

    private static object Round(object value, TemplateCallArguments args)
    {
        var precision = (int)(long)args.Get(0, "precision", 0L);
        var method = Text(args.Get(1, "method", "common"));
        var d = TemplateValue.ToDouble(value);
        var factor = Math.Pow(10, precision);
        var rounded = method switch
        {
            "ceil" => Math.Ceiling(d * factor) / factor,
            "floor" => Math.Floor(d * factor) / factor,
            _ => Math.Round(d, precision, MidpointRounding.AwayFromZero),
        };
        return rounded;
    }

    private static object Batch(object value, TemplateCallArguments args)
    {
        var size = (int)(long)args.Positional[0];
        if (size <= 0) throw new TemplateRuntimeException("batch size must be positive");
        var fill = args.GetOrNull(1, "fill_with");
        var items = TemplateValue.Iterate(value);
        var result = new List<object>();
        for (var i = 0; i < items.Count; i += size)
        {
            var chunk = items.Skip(i).Take(size).ToList();
            if (fill is not null) while (chunk.Count < size) chunk.Add(fill);
            result.Add(chunk);
        }
        return result;
    }

    /// <summary>An attribute path such as <c>"function.name"</c> or an index, as <c>map</c>/<c>selectattr</c> take it.</summary>
    private static object Lookup(object item, object attribute)
    {
        if (attribute is long index) return TemplateMembers.GetItem(item, index);
        foreach (var part in Text(attribute).Split('.'))
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && item is List<object>
                ? TemplateMembers.GetItem(item, i)
                : TemplateMembers.GetItem(item, part);
        return item;
    }

    private static object Map(object value, TemplateCallArguments args)
    {
        var items = TemplateValue.Iterate(value);
        if (args.Keyword.TryGetValue("attribute", out var attribute))
        {
            var hasDefault = args.Keyword.TryGetValue("default", out var fallback);
            return items.Select(x => Lookup(x, attribute) is TemplateUndefined && hasDefault ? fallback! : Lookup(x, attribute)).ToList();
        }
        if (args.Positional.Count == 0) throw new TemplateRuntimeException("map needs a filter name or attribute=");
        var filter = Text(args.Positional[0]);
        var rest = new TemplateCallArguments(args.Positional.Skip(1).ToList(), args.Keyword);
        return items.Select(x => Apply(filter, x, rest)).ToList();
    }

    private static object Select(object value, TemplateCallArguments args, bool keep)
    {
        var items = TemplateValue.Iterate(value);
        if (args.Positional.Count == 0) return items.Where(x => TemplateValue.IsTruthy(x) == keep).ToList();
        var test = Text(args.Positional[0]);
        var rest = new TemplateCallArguments(args.Positional.Skip(1).ToList(), args.Keyword);
        return items.Where(x => TemplateTests.Apply(test, x, rest) == keep).ToList();
    }

    private static object SelectAttribute(object value, TemplateCallArguments args, bool keep)
    {
        var items = TemplateValue.Iterate(value);
        var attribute = args.Positional[0];
        if (args.Positional.Count == 1) return items.Where(x => TemplateValue.IsTruthy(Lookup(x, attribute)) == keep).ToList();
        var test = Text(args.Positional[1]);
        var rest = new TemplateCallArguments(args.Positional.Skip(2).ToList(), args.Keyword);
        return items.Where(x => TemplateTests.Apply(test, Lookup(x, attribute), rest) == keep).ToList();
    }
}
