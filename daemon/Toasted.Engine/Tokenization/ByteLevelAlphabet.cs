namespace Toasted.Engine.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: every byte value has one printable character standing for it, so that
/// byte-level BPE vocabularies can store arbitrary bytes (including spaces, control bytes and partial
/// UTF-8 sequences) as ordinary text. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for
/// themselves; the other 68 bytes, in increasing order, take U+0100, U+0101, … (so the space is 'Ġ',
/// U+0120, and the newline 'Ċ', U+010A).
/// </summary>
public static class ByteLevelAlphabet
{
    private const int NotAByte = -1;

    private static readonly char[] CharsByByte = BuildCharsByByte();

    // The alphabet ends at U+0143, so a flat table indexed by character is small.
    private static readonly short[] BytesByChar = BuildBytesByChar();

    public static char CharForByte(byte value) => CharsByByte[value];

    /// <summary>The byte a character of the alphabet stands for; false for any other character.</summary>
    public static bool TryGetByte(char c, out byte value)
    {
        if (c < BytesByChar.Length && BytesByChar[c] != NotAByte)
        {
            value = (byte)BytesByChar[c];
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Writes one alphabet character per byte; <paramref name="destination"/> must hold
    /// <c>bytes.Length</c> characters.</summary>
    public static void Encode(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
            destination[i] = CharsByByte[bytes[i]];
    }

    private static bool StandsForItself(int value) =>
        value is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildCharsByByte()
    {
        var chars = new char[256];
        var next = 0x100;
        for (var value = 0; value < 256; value++)
            chars[value] = StandsForItself(value) ? (char)value : (char)next++;
        return chars;
    }

    private static short[] BuildBytesByChar()
    {
        var chars = BuildCharsByByte();
        var bytes = new short[chars.Max() + 1];
        Array.Fill(bytes, (short)NotAByte);
        for (var value = 0; value < 256; value++)
            bytes[chars[value]] = (short)value;
        return bytes;
    }
}
