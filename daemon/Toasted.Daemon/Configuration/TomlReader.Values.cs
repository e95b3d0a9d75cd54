using System.Globalization;

namespace Toasted.Daemon.Configuration;

/// <summary>Values: strings (see TomlReader.Strings.cs), arrays, booleans, integers and floats.</summary>
public sealed partial class TomlReader
{
    private object ReadValue(int depth)
    {
        if (AtEnd || _text[_index] is '\n' or '\r' or '#') throw Error(_index, $"expected a value, found {Describe(_index)}");
        switch (_text[_index])
        {
            case '"': return StartsWith("\"\"\"") ? ReadMultiLineBasicString() : ReadBasicString();
            case '\'': return StartsWith("'''") ? ReadMultiLineLiteralString() : ReadLiteralString();
            case '[': return ReadArray(depth + 1);
            case '{': throw Error(_index, "inline tables ({ ... }) are not supported; use a [table] header");
            default: return ReadBareValue();
        }
    }

    private List<object> ReadArray(int depth)
    {
        var start = _index;
        if (depth > MaxArrayDepth) throw Error(start, $"arrays are nested more than {MaxArrayDepth} deep");
        _index++;
        var items = new List<object>();
        while (true)
        {
            SkipWhitespaceNewlinesAndComments();
            if (AtEnd) throw Error(start, "the array is not closed");
            if (_text[_index] == ']')
            {
                _index++;
                return items;
            }
            items.Add(ReadValue(depth));
            SkipWhitespaceNewlinesAndComments();
            if (AtEnd) throw Error(start, "the array is not closed");
            if (_text[_index] == ',')
            {
                _index++;
                continue;
            }
            if (_text[_index] == ']')
            {
                _index++;
                return items;
            }
            throw Error(_index, $"expected ',' or ']' in the array, found {Describe(_index)}");
        }
    }

    /// <summary>Booleans, numbers, inf and nan: a run of characters up to the next delimiter, so that
    /// <c>truely</c> or <c>12ab</c> is one bad token rather than a good value followed by garbage.</summary>
    private object ReadBareValue()
    {
        var start = _index;
        while (!AtEnd && !IsValueDelimiter(_text[_index])) _index++;
        var token = _text[start.._index];
        if (token.Length == 0) throw Error(start, $"expected a value, found {Describe(start)}");
        switch (token)
        {
            case "true": return true;
            case "false": return false;
            case "inf" or "+inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
            case "nan" or "+nan" or "-nan": return double.NaN;
        }
        if (LooksLikeDateOrTime(token)) throw Error(start, "dates and times are not supported");
        if (!(char.IsAsciiDigit(token[0]) || token[0] is '+' or '-')) throw Error(start, $"'{token}' is not a value (strings need quotes)");
        return ReadNumber(token, start);
    }

    private static bool IsValueDelimiter(char c) => c is ' ' or '\t' or '\n' or '\r' or ',' or '[' or ']' or '{' or '}' or '#' or '=' or '"' or '\'';

    private static bool LooksLikeDateOrTime(string token) =>
        token.Contains(':') || (token.Length >= 5 && token.AsSpan(0, 4).ContainsAnyExceptInRange('0', '9') == false && token[4] == '-');

    private object ReadNumber(string token, int start)
    {
        var negative = token[0] == '-';
        var hasSign = token[0] is '+' or '-';
        var body = hasSign ? token[1..] : token;
        var radix = body.StartsWith("0x", StringComparison.Ordinal) ? 16
            : body.StartsWith("0o", StringComparison.Ordinal) ? 8
            : body.StartsWith("0b", StringComparison.Ordinal) ? 2 : 10;
        if (radix != 10)
        {
            if (hasSign) throw Error(start, $"'{token}': a sign is not allowed before 0x, 0o or 0b");
            return ReadRadixInteger(token, body[2..], radix, start);
        }
        if (body.AsSpan().IndexOfAny(".eE") >= 0) return ReadFloat(token, body, start);
        return ReadDecimalInteger(token, body, negative, start);
    }

    private long ReadDecimalInteger(string token, string body, bool negative, int start)
    {
        if (!IsDigitRun(body, 10)) throw Error(start, $"'{token}' is not a valid number");
        var digits = body.Replace("_", "", StringComparison.Ordinal);
        if (digits.Length > 1 && digits[0] == '0') throw Error(start, $"'{token}': leading zeros are not allowed");
        var magnitude = Accumulate(token, digits, 10, start);
        // The magnitude of long.MinValue is one more than long.MaxValue.
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) throw OutOfRange(token, start);
            return magnitude == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)magnitude;
        }
        if (magnitude > long.MaxValue) throw OutOfRange(token, start);
        return (long)magnitude;
    }

    private long ReadRadixInteger(string token, string digits, int radix, int start)
    {
        if (!IsDigitRun(digits, radix)) throw Error(start, $"'{token}' is not a valid number");
        var magnitude = Accumulate(token, digits.Replace("_", "", StringComparison.Ordinal), radix, start);
        if (magnitude > long.MaxValue) throw OutOfRange(token, start);
        return (long)magnitude;
    }

    private ulong Accumulate(string token, string digits, int radix, int start)
    {
        ulong value = 0;
        foreach (var c in digits)
        {
            var digit = (ulong)HexValue(c);
            if (value > (ulong.MaxValue - digit) / (ulong)radix) throw OutOfRange(token, start);
            value = value * (ulong)radix + digit;
        }
        return value;
    }

    private ConfigurationFileException OutOfRange(string token, int start) =>
        Error(start, $"'{token}' does not fit in a 64-bit signed integer");

    /// <summary>An integer part, then a fraction and/or an exponent, each a digit run with underscores
    /// only between digits; the integer part has no leading zeros, the exponent may.</summary>
    private double ReadFloat(string token, string body, int start)
    {
        var exponentAt = body.AsSpan().IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var valid = IsDigitRun(integerPart, 10)
            && (dot < 0 || IsDigitRun(mantissa[(dot + 1)..], 10))
            && (exponentAt < 0 || IsSignedDigitRun(body[(exponentAt + 1)..]));
        if (!valid) throw Error(start, $"'{token}' is not a valid number");
        if (integerPart.Replace("_", "", StringComparison.Ordinal) is { Length: > 1 } whole && whole[0] == '0')
            throw Error(start, $"'{token}': leading zeros are not allowed");
        var value = double.Parse(token.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value)) throw Error(start, $"'{token}' is too large for a 64-bit float");
        return value;
    }

    private static bool IsSignedDigitRun(string text) =>
        text.Length > 0 && text[0] is '+' or '-' ? IsDigitRun(text[1..], 10) : IsDigitRun(text, 10);

    /// <summary>Digits of the radix with each underscore between two digits.</summary>
    private static bool IsDigitRun(string text, int radix)
    {
        if (text.Length == 0) return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '_')
            {
                if (i == 0 || i == text.Length - 1 || text[i - 1] == '_') return false;
            }
            else if (HexValue(text[i]) >= radix) return false;
        }
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => int.MaxValue,
    };
}
