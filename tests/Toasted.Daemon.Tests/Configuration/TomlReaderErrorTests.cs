using NUnit.Framework;
using Toasted.Daemon.Configuration;

namespace Toasted.Daemon.Tests.Configuration;

/// <summary>Each kind of invalid document is refused with the file, line and column of the fault.</summary>
public class TomlReaderErrorTests
{
    [TestCase("key = # INVALID", 1, 7, "expected a value", TestName = "A key without a value")]
    [TestCase("first = \"Tom\" last = \"Preston-Werner\" # INVALID", 1, 15, "end of the line", TestName = "Two pairs on one line")]
    [TestCase("= \"no key name\"", 1, 1, "expected a key", TestName = "A pair without a key")]
    [TestCase("a = 1\nname = \"Tom\"\nname = \"Pradyun\"", 3, 1, "defined twice (first on line 2)", TestName = "A key defined twice")]
    [TestCase("spelling = \"favorite\"\n\"spelling\" = \"favourite\"", 2, 1, "defined twice", TestName = "A bare and a quoted key are the same key")]
    [TestCase("fruit.apple = 1\nfruit.apple.smooth = true", 2, 7, "already a value", TestName = "A value used as a table")]
    [TestCase("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"", 4, 1, "already defined (line 1)", TestName = "A table defined twice")]
    [TestCase("[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"", 4, 1, "already a value", TestName = "A header over a value")]
    [TestCase("[fruit]\napple.color = \"red\"\n[fruit.apple]", 3, 1, "already defined", TestName = "A header over a table made by dotted keys")]
    [TestCase("[a.b]\nx = 1\n[a]\nb.y = 2", 4, 1, "defined by a header", TestName = "Dotted keys adding to a header table")]
    [TestCase("a.b = 1\n[a]", 2, 1, "already defined", TestName = "A header over a dotted-key table")]
    [TestCase("invalid_float_1 = .7", 1, 19, "not a value", TestName = "A float without an integer part")]
    [TestCase("invalid_float_2 = 7.", 1, 19, "not a valid number", TestName = "A float without a fraction")]
    [TestCase("invalid_float_3 = 3.e+20", 1, 19, "not a valid number", TestName = "A float with an empty fraction")]
    [TestCase("x = 012", 1, 5, "leading zeros", TestName = "An integer with a leading zero")]
    [TestCase("x = 00.5", 1, 5, "leading zeros", TestName = "A float with a leading zero")]
    [TestCase("x = 1__000", 1, 5, "not a valid number", TestName = "Two underscores in a row")]
    [TestCase("x = _1", 1, 5, "not a value", TestName = "A leading underscore")]
    [TestCase("x = 1_", 1, 5, "not a valid number", TestName = "A trailing underscore")]
    [TestCase("x = 0x_1F", 1, 5, "not a valid number", TestName = "An underscore after the prefix")]
    [TestCase("x = +0xFF", 1, 5, "sign is not allowed", TestName = "A signed hexadecimal integer")]
    [TestCase("x = 0xG", 1, 5, "not a valid number", TestName = "A bad hexadecimal digit")]
    [TestCase("x = 0b102", 1, 5, "not a valid number", TestName = "A bad binary digit")]
    [TestCase("x = 9223372036854775808", 1, 5, "64-bit", TestName = "An integer above the 64-bit range")]
    [TestCase("x = -9223372036854775809", 1, 5, "64-bit", TestName = "An integer below the 64-bit range")]
    [TestCase("x = 0x8000000000000000", 1, 5, "64-bit", TestName = "A hexadecimal integer above the range")]
    [TestCase("x = 1e400", 1, 5, "too large", TestName = "A float beyond binary64")]
    [TestCase("x = Inf", 1, 5, "not a value", TestName = "Special floats are lowercase")]
    [TestCase("x = True", 1, 5, "not a value", TestName = "Booleans are lowercase")]
    [TestCase("x = truer", 1, 5, "not a value", TestName = "A boolean with trailing letters")]
    [TestCase("x = bare", 1, 5, "strings need quotes", TestName = "An unquoted string")]
    [TestCase("odt1 = 1979-05-27T07:32:00Z", 1, 8, "dates and times are not supported", TestName = "An offset date-time")]
    [TestCase("ld1 = 1979-05-27", 1, 7, "dates and times are not supported", TestName = "A local date")]
    [TestCase("lt1 = 07:32:00", 1, 7, "dates and times are not supported", TestName = "A local time")]
    [TestCase("name = { first = \"Tom\" }", 1, 8, "inline tables", TestName = "An inline table")]
    [TestCase("[[products]]\nname = \"Hammer\"", 1, 1, "arrays of tables", TestName = "An array of tables")]
    [TestCase("x = \"abc", 1, 5, "not closed", TestName = "An unterminated string")]
    [TestCase("x = \"a\nb\"", 1, 5, "not closed", TestName = "A newline in a basic string")]
    [TestCase("x = 'a\nb'", 1, 5, "not closed", TestName = "A newline in a literal string")]
    [TestCase("x = \"\"\"abc", 1, 5, "not closed", TestName = "An unterminated multi-line string")]
    [TestCase("x = '''abc''''''", 1, 11, "three quotes", TestName = "Six quotes after a multi-line literal")]
    [TestCase("x = \"a\\qb\"", 1, 7, "not a TOML escape sequence", TestName = "An unknown escape")]
    [TestCase("x = \"\\x41\"", 1, 6, "not a TOML escape sequence", TestName = "A hexadecimal byte escape")]
    [TestCase("x = \"\\u12\"", 1, 6, "exactly 4 hexadecimal digits", TestName = "A short unicode escape")]
    [TestCase("x = \"\\uD800\"", 1, 6, "not a Unicode scalar value", TestName = "A surrogate escape")]
    [TestCase("x = \"\\U00110000\"", 1, 6, "not a Unicode scalar value", TestName = "An escape beyond Unicode")]
    [TestCase("x = \"\"\"a \\ b\"\"\"", 1, 10, "not a TOML escape sequence", TestName = "A backslash before a space that does not end the line")]
    [TestCase("x = \"a\u0001\"", 1, 7, "must be escaped", TestName = "A control character in a basic string")]
    [TestCase("x = 'a\u007f'", 1, 7, "not allowed in a literal string", TestName = "DEL in a literal string")]
    [TestCase("x = 1 # a\u0000comment", 1, 10, "not allowed in a comment", TestName = "A control character in a comment")]
    [TestCase("x = 1\ry = 2", 1, 6, "carriage return", TestName = "A carriage return alone")]
    [TestCase("x = [1, 2", 1, 5, "array is not closed", TestName = "An unterminated array")]
    [TestCase("x = [1 2]", 1, 8, "expected ',' or ']'", TestName = "Array items without a comma")]
    [TestCase("x = [,]", 1, 6, "expected a value", TestName = "An array with only a comma")]
    [TestCase("x = [1,,2]", 1, 8, "expected a value", TestName = "Two commas in an array")]
    [TestCase("[table\nx = 1", 1, 7, "expected ']'", TestName = "An unclosed header")]
    [TestCase("[a] b = 1", 1, 5, "end of the line", TestName = "A pair on the header line")]
    [TestCase("[]", 1, 2, "expected a key", TestName = "An empty header")]
    [TestCase("a.  = 1", 1, 5, "expected a key", TestName = "A dotted key with an empty part")]
    [TestCase("\"\"\"key\"\"\" = 1", 1, 1, "cannot be a multi-line string", TestName = "A multi-line string as a key")]
    [TestCase("x = 1 y", 1, 7, "end of the line", TestName = "Trailing garbage after a value")]
    [TestCase("x = \"ok\"garbage", 1, 9, "end of the line", TestName = "Trailing garbage after a string")]
    public void An_invalid_document_is_refused_at_the_line_and_column_of_the_fault(string document, int line, int column, string reason)
    {
        var error = Assert.Throws<ConfigurationFileException>(() => TomlReader.Parse(document, "/etc/bad.toml"))!;
        Assert.That(error.Reason, Does.Contain(reason), error.Message);
        Assert.That((error.Line, error.Column), Is.EqualTo((line, column)), error.Message);
        Assert.That(error.Message, Does.StartWith($"/etc/bad.toml:{line}:{column}: "));
    }

    [Test]
    public void Invalid_UTF_8_is_refused_at_the_first_bad_byte()
    {
        byte[] document = [.. "x = 1\nyé = \""u8, 0xC3, 0x28, .. "\"\n"u8];
        var error = Assert.Throws<ConfigurationFileException>(() => TomlReader.Read(document, "bad.toml"))!;
        Assert.That(error.Reason, Does.Contain("not valid UTF-8"));
        Assert.That((error.Line, error.Column), Is.EqualTo((2, 7)));
    }

    [Test]
    public void Columns_count_characters_not_bytes_or_utf16_units()
    {
        var error = Assert.Throws<ConfigurationFileException>(() => TomlReader.Parse("\"🍞é\" = 1 2", "f.toml"))!;
        Assert.That((error.Line, error.Column), Is.EqualTo((1, 10)));
    }

    [Test]
    public void Deeply_nested_arrays_are_refused_instead_of_exhausting_the_stack()
    {
        var error = Assert.Throws<ConfigurationFileException>(() => TomlReader.Parse("x = " + new string('[', 100_000), "deep.toml"))!;
        Assert.That(error.Reason, Does.Contain("nested"));
    }
}
