using System.Buffers.Binary;
using System.Text;

namespace Toasted.Engine.Gguf;

/// <summary>
/// A bounds-checked little-endian cursor over the bytes of a GGUF header. Every read checks the
/// remaining length first and every count is checked against what the remaining bytes could possibly
/// hold, so a hostile file fails with <see cref="GgufFormatException"/> before anything large is
/// allocated. Reads go through <see cref="BinaryPrimitives"/>, so they are correct on any host byte
/// order and at any (unaligned) address.
/// </summary>
internal unsafe ref struct GgufReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte* _start;
    private readonly long _length;
    private readonly string _file;
    private long _position;

    public GgufReader(byte* start, long length, string file)
    {
        _start = start;
        _length = length;
        _file = file;
        _position = 0;
    }

    public readonly string File => _file;
    public readonly long Position => _position;
    public readonly long Remaining => _length - _position;

    public readonly GgufFormatException Error(string field, string reason, long? offset = null) =>
        new(_file, field, offset ?? _position, reason);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
            throw Error(field, $"needs {count} bytes but only {Remaining} remain (file truncated)");
        var span = new ReadOnlySpan<byte>(_start + _position, count);
        _position += count;
        return span;
    }

    public byte ReadByte(string field) => Take(1, field)[0];
    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));
    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
    public float ReadFloat32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));
    public double ReadFloat64(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    /// <summary>A bool stored as one byte; anything but 0 or 1 is a defect, not "true".</summary>
    public bool ReadBool(string field)
    {
        var at = _position;
        var b = ReadByte(field);
        if (b > 1)
            throw Error(field, $"bool value {b} is neither 0 nor 1", at);
        return b == 1;
    }

    /// <summary>
    /// A u64 count of items that each take at least <paramref name="minBytesEach"/> bytes in the file.
    /// A count the remaining bytes cannot hold is refused here, which bounds every allocation that
    /// follows by the size of the file.
    /// </summary>
    public long ReadCount(string field, long minBytesEach)
    {
        var at = _position;
        var raw = ReadUInt64(field);
        if (raw > (ulong)Remaining / (ulong)minBytesEach)
            throw Error(field, $"count {raw} cannot fit in the {Remaining} bytes that remain", at);
        return (long)raw;
    }

    /// <summary>A string: u64 byte length, then that many bytes of strict UTF-8 (no terminator).</summary>
    public string ReadString(string field)
    {
        var length = ReadCount(field + " length", 1);
        if (length > Array.MaxLength)
            throw Error(field, $"string of {length} bytes is too long", _position - 8);
        var at = _position;
        var bytes = Take((int)length, field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error(field, "string is not valid UTF-8", at);
        }
    }
}
