using System.Text;

namespace Toasted.Engine.ChatTemplates;

/// <summary>Arithmetic, concatenation and comparison with Python's rules (int/int division gives a float, % is floored).</summary>
internal static class TemplateOperators
{
    public static object Unary(string op, object operand) => op switch
    {
        "not" => !TemplateValue.IsTruthy(operand),
        "-" => operand switch
        {
            long l => (object)-l,
            double d => -d,
            bool b => b ? -1L : 0L,
            _ => throw new TemplateRuntimeException($"bad operand for unary -: {TemplateValue.TypeName(operand)}"),
        },
        "+" => operand is long or double ? operand : throw new TemplateRuntimeException($"bad operand for unary +: {TemplateValue.TypeName(operand)}"),
        _ => throw new TemplateRuntimeException($"unknown operator '{op}'"),
    };

    public static object Binary(string op, object left, object right)
    {
        switch (op)
        {
            case "==": return TemplateValue.Equals(left, right);
            case "!=": return !TemplateValue.Equals(left, right);
            // An undefined operand orders as false instead of failing, as in llama.cpp's engine
            // (ByteDance Seed-OSS compares an unset thinking_budget with numbers).
            case "<" or ">" or "<=" or ">=" when left is TemplateUndefined || right is TemplateUndefined: return false;
            case "<": return TemplateValue.Compare(left, right) < 0;
            case ">": return TemplateValue.Compare(left, right) > 0;
            case "<=": return TemplateValue.Compare(left, right) <= 0;
            case ">=": return TemplateValue.Compare(left, right) >= 0;
            case "in": return TemplateValue.Contains(right, left);
            case "not in": return !TemplateValue.Contains(right, left);
            case "~": return TemplateValue.ToText(left) + TemplateValue.ToText(right);
            case "+": return Add(left, right);
            case "-": return Arithmetic(op, left, right, (a, b) => a - b, (a, b) => a - b);
            case "*": return Multiply(left, right);
            case "/": return TemplateValue.ToDouble(left) / NonZero(TemplateValue.ToDouble(right));
            case "//":
                if (left is long li && right is long ri) return FloorDiv(li, ri);
                return Math.Floor(TemplateValue.ToDouble(left) / NonZero(TemplateValue.ToDouble(right)));
            case "%":
                if (left is string format) return PercentFormat(format, right);
                if (left is long lm && right is long rm)
                {
                    if (rm == 0) throw new TemplateRuntimeException("integer modulo by zero");
                    return ((lm % rm) + rm) % rm;
                }
                var x = TemplateValue.ToDouble(left);
                var y = NonZero(TemplateValue.ToDouble(right));
                return x - y * Math.Floor(x / y);
            case "**":
                if (left is long lp && right is long rp && rp >= 0) return (long)Math.Pow(lp, rp);
                return Math.Pow(TemplateValue.ToDouble(left), TemplateValue.ToDouble(right));
            default:
                throw new TemplateRuntimeException($"unknown operator '{op}'");
        }
    }

    private static double NonZero(double d) => d == 0 ? throw new TemplateRuntimeException("division by zero") : d;

    private static long FloorDiv(long a, long b)
    {
        if (b == 0) throw new TemplateRuntimeException("integer division by zero");
        var q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    private static object Add(object left, object right) => (left, right) switch
    {
        (string a, string b) => a + b,
        // llama.cpp's engine adds an undefined value to a string as empty text (firefunction-v2 relies on it).
        (string a, TemplateUndefined) => a,
        (TemplateUndefined, string b) => b,
        (List<object> a, List<object> b) => a.Concat(b).ToList(),
        _ => Arithmetic("+", left, right, (a, b) => a + b, (a, b) => a + b),
    };

    private static object Multiply(object left, object right) => (left, right) switch
    {
        (string s, long n) => string.Concat(Enumerable.Repeat(s, (int)Math.Max(n, 0))),
        (long n, string s) => string.Concat(Enumerable.Repeat(s, (int)Math.Max(n, 0))),
        (List<object> l, long n) => Enumerable.Repeat(l, (int)Math.Max(n, 0)).SelectMany(x => x).ToList(),
        _ => Arithmetic("*", left, right, (a, b) => a * b, (a, b) => a * b),
    };

    private static object Arithmetic(string op, object left, object right, Func<long, long, long> integer, Func<double, double, double> real)
    {
        if (left is (long or bool) && right is (long or bool))
            return integer(left is bool lb ? (lb ? 1 : 0) : (long)left, right is bool rb ? (rb ? 1 : 0) : (long)right);
        if (TemplateValue.IsNumber(left) || TemplateValue.IsNumber(right))
        {
            if (left is (long or double or bool) && right is (long or double or bool))
                return real(TemplateValue.ToDouble(left), TemplateValue.ToDouble(right));
        }
        throw new TemplateRuntimeException($"unsupported operand types for {op}: {TemplateValue.TypeName(left)} and {TemplateValue.TypeName(right)}");
    }

    /// <summary>Python's <c>"%s" % value</c> for the conversions templates use (%s, %d, %i, %f, %r, %%).</summary>
    private static string PercentFormat(string format, object argument)
    {
        var values = argument is List<object> tuple ? tuple : [argument];
        var next = 0;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%' || i + 1 >= format.Length) { sb.Append(c); continue; }
            var spec = format[++i];
            if (spec == '%') { sb.Append('%'); continue; }
            if (next >= values.Count) throw new TemplateRuntimeException("not enough arguments for format string");
            var v = values[next++];
            sb.Append(spec switch
            {
                's' => TemplateValue.ToText(v),
                'r' => TemplateValue.Repr(v),
                'd' or 'i' => ((long)TemplateValue.ToDouble(v)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                'f' => TemplateValue.ToDouble(v).ToString("F6", System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new TemplateRuntimeException($"unsupported format character '{spec}'"),
            });
        }
        return sb.ToString();
    }
}
