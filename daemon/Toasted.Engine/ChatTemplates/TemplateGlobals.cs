using System.Globalization;
using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>The functions every template can call: <c>range</c>, <c>dict</c>, <c>namespace</c>, <c>strftime_now</c>, <c>raise_exception</c>.</summary>
internal static class TemplateGlobals
{
    public static void AddTo(TemplateScope scope, Func<DateTimeOffset> clock)
    {
        scope.Set("range", new TemplateCallable("range", Range));
        scope.Set("dict", new TemplateCallable("dict", args =>
        {
            var dict = new OrderedDictionary<object, object>(TemplateKeyComparer.Instance);
            if (args.Positional.Count > 0 && args.Positional[0] is OrderedDictionary<object, object> source)
                foreach (var (k, v) in source) dict[k] = v;
            foreach (var (k, v) in args.Keyword) dict[k] = v;
            return dict;
        }));
        scope.Set("namespace", new TemplateCallable("namespace", args =>
        {
            var ns = new TemplateNamespace();
            if (args.Positional.Count > 0 && args.Positional[0] is OrderedDictionary<object, object> source)
                foreach (var (k, v) in source) ns.Attributes[TemplateValue.ToText(k)] = v;
            foreach (var (k, v) in args.Keyword) ns.Attributes[k] = v;
            return ns;
        }));
        scope.Set("raise_exception", new TemplateCallable("raise_exception", args =>
            throw new TemplateRuntimeException(args.Positional.Count > 0 ? TemplateValue.ToText(args.Positional[0]) : "raise_exception called")));
        scope.Set("strftime_now", new TemplateCallable("strftime_now", args =>
            StrFTime(clock(), args.Positional.Count > 0 ? TemplateValue.ToText(args.Positional[0]) : "")));
    }

    /// <summary>Longest range a template may build; chat templates count messages, never millions of items.</summary>
    private const long MaxRangeLength = 1_000_000;

    private static object Range(TemplateCallArguments args)
    {
        long Arg(int i) => args.Positional[i] is long l ? l : throw new TemplateRuntimeException("range needs integers");
        var (start, stop, step) = args.Positional.Count switch
        {
            1 => (0L, Arg(0), 1L),
            2 => (Arg(0), Arg(1), 1L),
            3 => (Arg(0), Arg(1), Arg(2)),
            _ => throw new TemplateRuntimeException("range takes 1 to 3 arguments"),
        };
        if (step == 0) throw new TemplateRuntimeException("range step cannot be zero");
        if ((stop - start) / step > MaxRangeLength) throw new TemplateRuntimeException($"range longer than {MaxRangeLength} items");
        var result = new List<object>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step) result.Add(i);
        return result;
    }

    /// <summary>C's <c>strftime</c> in the C locale for the conversions templates print dates with.</summary>
    public static string StrFTime(DateTimeOffset time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            var spec = format[++i];
            sb.Append(spec switch
            {
                'd' => time.Day.ToString("00", c),
                'e' => time.Day.ToString(c).PadLeft(2),
                'm' => time.Month.ToString("00", c),
                'Y' => time.Year.ToString(c),
                'y' => (time.Year % 100).ToString("00", c),
                'b' or 'h' => time.ToString("MMM", c),
                'B' => time.ToString("MMMM", c),
                'a' => time.ToString("ddd", c),
                'A' => time.ToString("dddd", c),
                'H' => time.Hour.ToString("00", c),
                'I' => ((time.Hour + 11) % 12 + 1).ToString("00", c),
                'M' => time.Minute.ToString("00", c),
                'S' => time.Second.ToString("00", c),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => time.DayOfYear.ToString("000", c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                'D' => time.ToString("MM/dd/yy", c),
                'Z' => "UTC",
                'z' => time.ToString("zzz", c).Replace(":", "", StringComparison.Ordinal),
                '%' => "%",
                _ => "%" + spec,
            });
        }
        return sb.ToString();
    }
}
