using NUnit.Framework;
using Toasted.Daemon.Configuration;

namespace Toasted.Daemon.Tests.Configuration;

/// <summary>The TOML 1.0 specification's own examples, for the part of TOML we read, give the values
/// the specification states.</summary>
public class TomlSpecExampleTests
{
    private static TomlTable Parse(string document) => TomlReader.Parse(document, "spec.toml");

    [Test]
    public void Integers_follow_the_spec_examples_including_64_bit_limits()
    {
        var table = Parse("""
            int1 = +99
            int2 = 42
            int3 = 0
            int4 = -17
            int5 = 1_000
            int6 = 5_349_221
            int7 = 53_49_221  # Indian number system grouping
            int8 = 1_2_3_4_5  # VALID but discouraged
            zero1 = +0
            zero2 = -0
            hex1 = 0xDEADBEEF
            hex2 = 0xdeadbeef
            hex3 = 0xdead_beef
            oct1 = 0o01234567
            oct2 = 0o755 # useful for Unix file permissions
            bin1 = 0b11010110
            max = 9_223_372_036_854_775_807
            min = -9223372036854775808
            hexmax = 0x7FFFFFFFFFFFFFFF
            """);
        var expected = new Dictionary<string, long>
        {
            ["int1"] = 99, ["int2"] = 42, ["int3"] = 0, ["int4"] = -17, ["int5"] = 1000, ["int6"] = 5349221,
            ["int7"] = 5349221, ["int8"] = 12345, ["zero1"] = 0, ["zero2"] = 0, ["hex1"] = 0xDEADBEEF, ["hex2"] = 0xDEADBEEF,
            ["hex3"] = 0xDEADBEEF, ["oct1"] = 342391, ["oct2"] = 493, ["bin1"] = 214, ["max"] = long.MaxValue,
            ["min"] = long.MinValue, ["hexmax"] = long.MaxValue,
        };
        Assert.That(table.Keys, Is.EqualTo(expected.Keys), "keys keep their order");
        foreach (var (key, value) in expected) Assert.That(table[key], Is.EqualTo(value), key);
    }

    [Test]
    public void Floats_follow_the_spec_examples()
    {
        var table = Parse("""
            flt1 = +1.0
            flt2 = 3.1415
            flt3 = -0.01
            flt4 = 5e+22
            flt5 = 1e06
            flt6 = -2E-2
            flt7 = 6.626e-34
            flt8 = 224_617.445_991_228
            sf1 = inf  # positive infinity
            sf2 = +inf # positive infinity
            sf3 = -inf # negative infinity
            sf4 = nan  # actual sNaN/qNaN encoding is implementation-specific
            sf5 = +nan # same as `nan`
            sf6 = -nan # valid, actual encoding is implementation-specific
            negative_zero = -0.0
            positive_zero = +0.0
            """);
        Assert.That(table["flt1"], Is.EqualTo(1.0));
        Assert.That(table["flt2"], Is.EqualTo(3.1415));
        Assert.That(table["flt3"], Is.EqualTo(-0.01));
        Assert.That(table["flt4"], Is.EqualTo(5e22));
        Assert.That(table["flt5"], Is.EqualTo(1e6));
        Assert.That(table["flt6"], Is.EqualTo(-0.02));
        Assert.That(table["flt7"], Is.EqualTo(6.626e-34));
        Assert.That(table["flt8"], Is.EqualTo(224617.445991228));
        Assert.That(table["sf1"], Is.EqualTo(double.PositiveInfinity));
        Assert.That(table["sf2"], Is.EqualTo(double.PositiveInfinity));
        Assert.That(table["sf3"], Is.EqualTo(double.NegativeInfinity));
        foreach (var key in new[] { "sf4", "sf5", "sf6" }) Assert.That(double.IsNaN((double)table[key]), key);
        Assert.That(double.IsNegative((double)table["negative_zero"]) && (double)table["negative_zero"] == 0, Is.True);
        Assert.That(double.IsNegative((double)table["positive_zero"]), Is.False);
    }

    [Test]
    public void Basic_and_multi_line_basic_strings_follow_the_spec_examples()
    {
        var table = Parse("""""
            str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
            str1 = """
            Roses are red
            Violets are blue"""
            lbs1 = "The quick brown fox jumps over the lazy dog."
            lbs2 = """
            The quick brown \


              fox jumps over \
                the lazy dog."""
            lbs3 = """\
                   The quick brown \
                   fox jumps over \
                   the lazy dog.\
                   """
            str4 = """Here are two quotation marks: "". Simple enough."""
            str5 = """Here are three quotation marks: ""\"."""
            str6 = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
            str7 = """"This," she said, "is just a pointless statement.""""
            escapes = "\b\t\n\f\r\"\\\u0041\U0001F35E"
            """"");
        Assert.That(table["str"], Is.EqualTo("I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."));
        Assert.That(table["str1"], Is.EqualTo("Roses are red\nViolets are blue"));
        Assert.That(table["lbs2"], Is.EqualTo(table["lbs1"]));
        Assert.That(table["lbs3"], Is.EqualTo(table["lbs1"]));
        Assert.That(table["str4"], Is.EqualTo("Here are two quotation marks: \"\". Simple enough."));
        Assert.That(table["str5"], Is.EqualTo("Here are three quotation marks: \"\"\"."));
        Assert.That(table["str6"], Is.EqualTo("Here are fifteen quotation marks: " + new string('"', 15) + "."));
        Assert.That(table["str7"], Is.EqualTo("\"This,\" she said, \"is just a pointless statement.\""));
        Assert.That(table["escapes"], Is.EqualTo("\b\t\n\f\r\"\\A\U0001F35E"));
    }

    [Test]
    public void Literal_strings_follow_the_spec_examples()
    {
        var table = Parse("""""
            winpath  = 'C:\Users\nodejs\templates'
            winpath2 = '\\ServerX\admin$\system32\'
            quoted   = 'Tom "Dubs" Preston-Werner'
            regex    = '<\i\c*\s*>'
            regex2 = '''I [dw]on't need \d{2} apples'''
            lines  = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            apos15 = "Here are fifteen apostrophes: '''''''''''''''"
            str = ''''That,' she said, 'is still pointless.''''

            """"" + "quot15 = '''Here are fifteen quotation marks: " + new string('"', 15) + "'''");
        Assert.That(table["winpath"], Is.EqualTo(@"C:\Users\nodejs\templates"));
        Assert.That(table["winpath2"], Is.EqualTo(@"\\ServerX\admin$\system32\"));
        Assert.That(table["quoted"], Is.EqualTo("Tom \"Dubs\" Preston-Werner"));
        Assert.That(table["regex"], Is.EqualTo(@"<\i\c*\s*>"));
        Assert.That(table["regex2"], Is.EqualTo(@"I [dw]on't need \d{2} apples"));
        Assert.That(table["lines"], Is.EqualTo("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"));
        Assert.That(table["quot15"], Is.EqualTo("Here are fifteen quotation marks: " + new string('"', 15)));
        Assert.That(table["apos15"], Is.EqualTo("Here are fifteen apostrophes: " + new string('\'', 15)));
        Assert.That(table["str"], Is.EqualTo("'That,' she said, 'is still pointless.'"));
    }

    [Test]
    public void Bare_quoted_and_dotted_keys_follow_the_spec_examples()
    {
        var table = Parse("""
            key = "value"
            bare_key = "value"
            bare-key = "value"
            1234 = "value"
            "127.0.0.1" = "value"
            "character encoding" = "value"
            "ʎǝʞ" = "value"
            'key2' = "value"
            'quoted "value"' = "value"
            "" = "blank"
            name = "Orange"
            physical.color = "orange"
            physical.shape = "round"
            site."google.com" = true
            fruit.name = "banana"     # this is best practice
            fruit. color = "yellow"    # same as fruit.color
            fruit . flavor = "banana"   # same as fruit.flavor
            3.14159 = "pi"
            """);
        Assert.That(table.Keys, Is.EqualTo(new[]
        {
            "key", "bare_key", "bare-key", "1234", "127.0.0.1", "character encoding", "ʎǝʞ", "key2", "quoted \"value\"", "",
            "name", "physical", "site", "fruit", "3",
        }));
        var physical = (TomlTable)table["physical"];
        Assert.That(physical["color"], Is.EqualTo("orange"));
        Assert.That(physical["shape"], Is.EqualTo("round"));
        Assert.That(((TomlTable)table["site"])["google.com"], Is.EqualTo(true));
        Assert.That(((TomlTable)table["fruit"]).Keys, Is.EqualTo(new[] { "name", "color", "flavor" }));
        Assert.That(((TomlTable)table["3"])["14159"], Is.EqualTo("pi"));
        Assert.That(table.PositionOf("site"), Is.EqualTo(new TomlPosition(14, 1)));
    }

    [Test]
    public void Tables_follow_the_spec_examples()
    {
        var table = Parse("""
            [dog."tater.man"]
            type.name = "pug"

            [a.b.c]            # this is best practice
            [ d.e.f ]          # same as [d.e.f]
            [ g .  h  . i ]    # same as [g.h.i]
            [ j . "ʞ" . 'l' ]  # same as [j."ʞ".'l']

            [x.y.z.w] # for this to work
            [x] # defining a super-table afterward is ok

            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.texture]  # you can add sub-tables
            smooth = true

            [animal]
            [fruit.orange]
            """);
        var dog = (TomlTable)((TomlTable)table["dog"])["tater.man"];
        Assert.That(((TomlTable)dog["type"])["name"], Is.EqualTo("pug"));
        Assert.That(table.Keys, Is.EqualTo(new[] { "dog", "a", "d", "g", "j", "x", "fruit", "animal" }));
        Assert.That(((TomlTable)((TomlTable)table["j"])["ʞ"]).Keys, Is.EqualTo(new[] { "l" }));
        var apple = (TomlTable)((TomlTable)table["fruit"])["apple"];
        Assert.That(apple["color"], Is.EqualTo("red"));
        Assert.That(((TomlTable)apple["taste"])["sweet"], Is.EqualTo(true));
        Assert.That(((TomlTable)apple["texture"])["smooth"], Is.EqualTo(true));
        Assert.That(((TomlTable)table["fruit"]).Keys, Is.EqualTo(new[] { "apple", "orange" }));
        Assert.That(table.PositionOf("animal"), Is.EqualTo(new TomlPosition(19, 1)));
    }

    [Test]
    public void Arrays_comments_and_booleans_follow_the_spec_examples()
    {
        var table = Parse(""""
            # This is a full-line comment
            key = "value"  # This is a comment at the end of a line
            another = "# This is not a comment"
            bool1 = true
            bool2 = false
            integers = [ 1, 2, 3 ]
            colors = [ "red", "yellow", "green" ]
            nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
            nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
            string_array = [ "all", 'strings', """are the same""", '''type''' ]
            numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
            integers2 = [
              1, 2, 3
            ]
            integers3 = [
              1,
              2, # this is ok
            ]
            empty = [ ]
            """");
        Assert.That(table["key"], Is.EqualTo("value"));
        Assert.That(table["another"], Is.EqualTo("# This is not a comment"));
        Assert.That(table["bool1"], Is.EqualTo(true));
        Assert.That(table["bool2"], Is.EqualTo(false));
        Assert.That(table["integers"], Is.EqualTo(new object[] { 1L, 2L, 3L }));
        Assert.That(table["colors"], Is.EqualTo(new object[] { "red", "yellow", "green" }));
        Assert.That(table["nested_arrays_of_ints"], Is.EqualTo(new object[] { new object[] { 1L, 2L }, new object[] { 3L, 4L, 5L } }));
        Assert.That(table["nested_mixed_array"], Is.EqualTo(new object[] { new object[] { 1L, 2L }, new object[] { "a", "b", "c" } }));
        Assert.That(table["string_array"], Is.EqualTo(new object[] { "all", "strings", "are the same", "type" }));
        Assert.That(table["numbers"], Is.EqualTo(new object[] { 0.1, 0.2, 0.5, 1L, 2L, 5L }));
        Assert.That(table["integers2"], Is.EqualTo(new object[] { 1L, 2L, 3L }));
        Assert.That(table["integers3"], Is.EqualTo(new object[] { 1L, 2L }));
        Assert.That(table["empty"], Is.Empty);
    }

    [Test]
    public void Windows_line_endings_and_a_byte_order_mark_are_accepted()
    {
        var table = TomlReader.Read("\uFEFF# comment\r\n[queue]\r\ndepth = 8\r\ntext = \"\"\"\r\na\r\nb\"\"\"\r\n"u8, "crlf.toml");
        var queue = (TomlTable)table["queue"];
        Assert.That(queue["depth"], Is.EqualTo(8L));
        Assert.That(queue["text"], Is.EqualTo("a\r\nb"));
        Assert.That(queue.PositionOf("depth"), Is.EqualTo(new TomlPosition(3, 1)));
    }
}
