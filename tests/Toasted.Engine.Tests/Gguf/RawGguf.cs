using System.Text;

namespace Toasted.Engine.Tests.Gguf;

/// <summary>
/// Writes GGUF bytes field by field, straight from the format description and with no validation,
/// so tests can state any file, valid or hostile, independently of the reader and the writer. Every
/// write returns the byte offset it was written at, which is what the reader's errors must name.
/// </summary>
internal sealed class RawGguf
{
    public const uint VersionUnderTest = 3;

    private readonly MemoryStream _bytes = new();
    private readonly BinaryWriter _out;

    public RawGguf() => _out = new BinaryWriter(_bytes, Encoding.UTF8, leaveOpen: true);

    public long Position => _bytes.Position;

    /// <summary>Magic, version, tensor_count, metadata_kv_count; returns the offset of the magic.</summary>
    public long Header(ulong tensorCount, ulong kvCount, uint version = VersionUnderTest)
    {
        var at = Bytes("GGUF"u8);
        U32(version);
        U64(tensorCount);
        U64(kvCount);
        return at;
    }

    public long U8(byte v) { var at = Position; _out.Write(v); return at; }
    public long U16(ushort v) { var at = Position; _out.Write(v); return at; }
    public long U32(uint v) { var at = Position; _out.Write(v); return at; }
    public long U64(ulong v) { var at = Position; _out.Write(v); return at; }
    public long Bytes(ReadOnlySpan<byte> v) { var at = Position; _out.Write(v); return at; }

    /// <summary>u64 length + UTF-8 bytes; returns the offset of the length.</summary>
    public long Str(string s) => StrBytes(Encoding.UTF8.GetBytes(s));

    public long StrBytes(ReadOnlySpan<byte> utf8)
    {
        var at = U64((ulong)utf8.Length);
        Bytes(utf8);
        return at;
    }

    /// <summary>A key-value of value type uint32; returns the offset of the value.</summary>
    public long KvU32(string key, uint value)
    {
        Str(key);
        U32(4);
        return U32(value);
    }

    /// <summary>A tensor info; returns the offsets of each of its fields.</summary>
    public TensorInfoOffsets TensorInfo(string name, uint type, ulong offset, params ulong[] dims)
    {
        var nameAt = Str(name);
        var nDimsAt = U32((uint)dims.Length);
        var dimsAt = Position;
        foreach (var d in dims) U64(d);
        var typeAt = U32(type);
        var offsetAt = U64(offset);
        return new TensorInfoOffsets(nameAt, nDimsAt, dimsAt, typeAt, offsetAt);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>; returns the new position.</summary>
    public long PadTo(long alignment)
    {
        while (Position % alignment != 0) U8(0);
        return Position;
    }

    /// <summary>
    /// Offset of the first GGUF string (u64 length + bytes) equal to <paramref name="text"/> in a file,
    /// which locates a key or a tensor info in a file this builder did not write.
    /// </summary>
    public static long FindString(byte[] file, string text)
    {
        var encoded = new RawGguf();
        encoded.Str(text);
        var at = file.AsSpan().IndexOf(encoded.ToArray());
        if (at < 0) throw new ArgumentException($"string '{text}' is not in the file");
        return at;
    }

    /// <summary>Field offsets of the tensor info named <paramref name="name"/> in an existing file.</summary>
    public static TensorInfoOffsets FindTensorInfo(byte[] file, string name)
    {
        var nameAt = FindString(file, name);
        var nDimsAt = nameAt + 8 + Encoding.UTF8.GetByteCount(name);
        var nDims = BitConverter.ToUInt32(file, (int)nDimsAt);
        var typeAt = nDimsAt + 4 + 8 * nDims;
        return new TensorInfoOffsets(nameAt, nDimsAt, nDimsAt + 4, typeAt, typeAt + 4);
    }

    public static void Patch(byte[] file, long at, ulong value, int width)
    {
        for (int i = 0; i < width; i++) file[at + i] = (byte)(value >> (8 * i));
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _bytes.ToArray();
    }
}

internal readonly record struct TensorInfoOffsets(long Name, long NDims, long FirstDim, long Type, long Offset);
