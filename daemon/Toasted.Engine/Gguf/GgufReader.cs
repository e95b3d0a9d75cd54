using System.Text;

namespace Toasted.Engine.Gguf;

/// <summary>
/// A bounds-checked cursor over the bytes of a GGUF header. Every read checks the remaining length
/// first and every count is checked against what the remaining bytes could possibly hold, so a
/// hostile file fails with <see cref="GgufFormatException"/> before anything large is allocated.
/// </summary>
internal unsafe ref struct GgufReader
{
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

    public string File => _file;
    public long Position => _position;
    public long Remaining => _length - _position;

    public GgufFormatException Error(string field, string reason, long? offset = null) =>
        new(_file, field, offset ?? _position, reason);

    private byte* Take(long count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Error(field, $"needs {count} bytes but only {Remaining} remain (file truncated)");
        var p = _start + _position;
        _position += count;
        return p;
    }

    public byte ReadByte(string field) => *Take(1, field);
    public ushort ReadUInt16(string field) => *(ushort*)Take(2, field);
    public uint ReadUInt32(string field) => *(uint*)Take(4, field);
    public ulong ReadUInt64(string field) => *(ulong*)Take(8, field);
    public float ReadFloat32(string field) => *(float*)Take(4, field);
    public double ReadFloat64(string field) => *(double*)Take(8, field);

    /// <summary>A count that must be non-negative and able to fit in the remaining bytes at <paramref name="minBytesEach"/> each.</summary>
    public long ReadCount(string field, long minBytesEach, bool wide)
    {
        var at = _position;
        ulong raw = wide ? ReadUInt64(field) : ReadUInt32(field);
        if (raw > long.MaxValue || (minBytesEach > 0 && (long)raw > Remaining / minBytesEach))
            throw Error(field, $"count {raw} cannot fit in the {Remaining} bytes that remain", at);
        return (long)raw;
    }

    public string ReadString(string field, bool wideLength)
    {
        var length = ReadCount(field + " (string length)", 1, wideLength);
        if (length > int.MaxValue)
            throw Error(field, $"string of {length} bytes is too long");
        var at = _position;
        var bytes = Take(length, field);
        try
        {
            return StrictUtf8.GetString(bytes, (int)length);
        }
        catch (DecoderFallbackException)
        {
            throw Error(field, "string is not valid UTF-8", at);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
