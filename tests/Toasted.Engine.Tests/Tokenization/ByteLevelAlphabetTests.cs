using NUnit.Framework;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>GPT-2's bytes_to_unicode, whose well-known values every byte-level vocabulary is written in.</summary>
public class ByteLevelAlphabetTests
{
    [TestCase((byte)'A', 'A')]
    [TestCase((byte)'!', '!')]
    [TestCase((byte)'~', '~')]
    [TestCase((byte)0xA1, '\u00A1')]
    [TestCase((byte)0xFF, '\u00FF')]
    [TestCase((byte)0x00, '\u0100')]
    [TestCase((byte)'\n', '\u010A')]
    [TestCase((byte)' ', '\u0120')]
    [TestCase((byte)0x7F, '\u0121')]
    [TestCase((byte)0xAD, '\u0143')]
    public void Bytes_map_to_the_gpt2_characters(byte value, char expected)
    {
        Assert.That(ByteLevelAlphabet.CharForByte(value), Is.EqualTo(expected));
    }

    [Test]
    public void Every_byte_has_its_own_character_and_maps_back()
    {
        var seen = new HashSet<char>();
        for (var value = 0; value < 256; value++)
        {
            var c = ByteLevelAlphabet.CharForByte((byte)value);
            Assert.That(seen.Add(c), Is.True, $"byte {value} shares its character");
            Assert.That(ByteLevelAlphabet.TryGetByte(c, out var back) && back == value, Is.True, $"byte {value}");
        }
    }

    [TestCase(' ')]
    [TestCase('\u00AD')]
    [TestCase('\u0144')]
    [TestCase('\u2581')]
    public void Characters_outside_the_alphabet_stand_for_no_byte(char c)
    {
        Assert.That(ByteLevelAlphabet.TryGetByte(c, out _), Is.False);
    }
}
