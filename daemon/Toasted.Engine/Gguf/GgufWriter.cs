using System.Numerics;
using System.Text;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Gguf;

/// <summary>
/// Builds a GGUF v3 file: metadata of any value type (nested arrays included) and tensors given as
/// raw bytes. Layout follows the format: header, key-values in the order they were first set, tensor
/// infos in the order they were added, then the data section starting at the alignment, with every
/// tensor at an aligned offset and padded with zeros to the alignment. The alignment is
/// <c>general.alignment</c> when set (a power-of-two uint32), else 32.
/// Inputs are validated when they are given, so a writer can only produce files the reader accepts.
/// </summary>
public sealed class GgufWriter
{
    public const uint Version = 3;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<string> _keys = [];
    private readonly Dictionary<string, GgufValue> _values = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Dimensions, ReadOnlyMemory<byte> Data);

    /// <summary>Sets a metadata value; a key set again keeps its first position and takes the new value.</summary>
    public GgufWriter Set(string key, GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        RequireUtf8(key, nameof(key));
        ValidateValue(value, key, depth: 0);
        if (key == GgufKeys.Alignment)
        {
            if (value.Value is not uint alignment || !BitOperations.IsPow2(alignment))
                throw new ArgumentException($"{GgufKeys.Alignment} must be a power-of-two uint32", nameof(value));
        }
        if (!_values.ContainsKey(key)) _keys.Add(key);
        _values[key] = value;
        return this;
    }

    public GgufWriter Set(string key, byte value) => Set(key, new GgufValue(GgufValueType.UInt8, value));
    public GgufWriter Set(string key, sbyte value) => Set(key, new GgufValue(GgufValueType.Int8, value));
    public GgufWriter Set(string key, ushort value) => Set(key, new GgufValue(GgufValueType.UInt16, value));
    public GgufWriter Set(string key, short value) => Set(key, new GgufValue(GgufValueType.Int16, value));
    public GgufWriter Set(string key, uint value) => Set(key, new GgufValue(GgufValueType.UInt32, value));
    public GgufWriter Set(string key, int value) => Set(key, new GgufValue(GgufValueType.Int32, value));
    public GgufWriter Set(string key, float value) => Set(key, new GgufValue(GgufValueType.Float32, value));
    public GgufWriter Set(string key, bool value) => Set(key, new GgufValue(GgufValueType.Bool, value));
    public GgufWriter Set(string key, string value) => Set(key, new GgufValue(GgufValueType.String, value));
    public GgufWriter Set(string key, ulong value) => Set(key, new GgufValue(GgufValueType.UInt64, value));
    public GgufWriter Set(string key, long value) => Set(key, new GgufValue(GgufValueType.Int64, value));
    public GgufWriter Set(string key, double value) => Set(key, new GgufValue(GgufValueType.Float64, value));
    public GgufWriter Set(string key, GgufArray value) => Set(key, new GgufValue(GgufValueType.Array, value));

    /// <summary>
    /// Adds a tensor. <paramref name="dimensions"/> are in GGUF order (innermost first);
    /// <paramref name="data"/> must be exactly the bytes the type's block layout gives for them.
    /// The bytes are not copied: they must stay unchanged until the file is written.
    /// </summary>
    public GgufWriter AddTensor(string name, GgmlType type, long[] dimensions, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        RequireUtf8(name, nameof(name));
        if (_tensorNames.Contains(name))
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        if (dimensions.Length is 0 or > GgufFile.MaxDimensions)
            throw new ArgumentException($"tensor '{name}' has {dimensions.Length} dimensions (1 to {GgufFile.MaxDimensions} allowed)", nameof(dimensions));
        if (!GgmlTypeLayout.TryGet(type, out var blockSize, out _))
            throw new ArgumentException($"unknown tensor type {(uint)type}", nameof(type));
        long elements = 1;
        foreach (var d in dimensions)
        {
            if (d < 1)
                throw new ArgumentException($"tensor '{name}' has dimension {d}", nameof(dimensions));
            elements = checked(elements * d);
        }
        if (dimensions[0] % blockSize != 0)
            throw new ArgumentException($"tensor '{name}' row length {dimensions[0]} is not a multiple of the {type} block size {blockSize}", nameof(dimensions));
        var expectedBytes = GgmlTypeLayout.RowBytes(type, dimensions[0]) * (elements / dimensions[0]);
        if (data.Length != expectedBytes)
            throw new ArgumentException($"tensor '{name}' needs {expectedBytes} bytes of {type} data, got {data.Length}", nameof(data));
        _tensorNames.Add(name);
        _tensors.Add(new PendingTensor(name, type, (long[])dimensions.Clone(), data));
        return this;
    }

    /// <summary>
    /// Writes the file atomically: to a temporary file in the same folder, flushed to disk, then
    /// renamed over <paramref name="path"/>. Readers see either the old file or the complete new one,
    /// and a failed write leaves no temporary file behind.
    /// </summary>
    public void Write(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(fullPath)!;
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes the file's bytes to a stream, from its current position (no atomicity).</summary>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var alignment = _values.TryGetValue(GgufKeys.Alignment, out var a) ? (uint)a.Value : GgufFile.DefaultAlignment;
        var output = new CountingWriter(destination);

        output.UInt32(GgufFile.Magic);
        output.UInt32(Version);
        output.UInt64((ulong)_tensors.Count);
        output.UInt64((ulong)_keys.Count);
        foreach (var key in _keys)
        {
            var value = _values[key];
            output.String(key);
            output.UInt32((uint)value.Type);
            WriteValue(output, value.Type, value.Value);
        }

        var offsets = new long[_tensors.Count];
        long next = 0;
        for (int i = 0; i < _tensors.Count; i++)
        {
            offsets[i] = next;
            next = GgufHeaderParser.AlignUp(next + _tensors[i].Data.Length, alignment);
        }
        for (int i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            output.String(t.Name);
            output.UInt32((uint)t.Dimensions.Length);
            foreach (var d in t.Dimensions) output.UInt64((ulong)d);
            output.UInt32((uint)t.Type);
            output.UInt64((ulong)offsets[i]);
        }

        // Like llama.cpp's writer: the data section starts aligned and every tensor is padded to the
        // alignment, including the last, so the file length is a multiple of the alignment.
        output.PadTo(alignment);
        foreach (var t in _tensors)
        {
            output.Bytes(t.Data.Span);
            output.PadTo(alignment);
        }
        output.Flush();
    }

    private static void WriteValue(CountingWriter output, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: output.Byte((byte)value); break;
            case GgufValueType.Int8: output.Byte((byte)(sbyte)value); break;
            case GgufValueType.UInt16: output.UInt16((ushort)value); break;
            case GgufValueType.Int16: output.UInt16((ushort)(short)value); break;
            case GgufValueType.UInt32: output.UInt32((uint)value); break;
            case GgufValueType.Int32: output.UInt32((uint)(int)value); break;
            case GgufValueType.Float32: output.Float32((float)value); break;
            case GgufValueType.UInt64: output.UInt64((ulong)value); break;
            case GgufValueType.Int64: output.UInt64((ulong)(long)value); break;
            case GgufValueType.Float64: output.Float64((double)value); break;
            case GgufValueType.Bool: output.Byte((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: output.String((string)value); break;
            case GgufValueType.Array:
                {
                    var array = (GgufArray)value;
                    output.UInt32((uint)array.ElementType);
                    output.UInt64((ulong)array.Items.Length);
                    foreach (var item in array.Items) WriteValue(output, array.ElementType, item!);
                    break;
                }
            default: throw new InvalidOperationException($"unknown value type {(uint)type}");
        }
    }

    private static void ValidateValue(GgufValue value, string key, int depth)
    {
        if (value.Value is null)
            throw new ArgumentException($"metadata '{key}' has no value", nameof(value));
        var expected = ClrTypeOf(value.Type)
            ?? throw new ArgumentException($"metadata '{key}' has unknown value type {(uint)value.Type}", nameof(value));
        if (value.Value.GetType() != expected)
            throw new ArgumentException($"metadata '{key}' of type {value.Type} holds a {value.Value.GetType().Name}", nameof(value));
        if (value.Value is string s) RequireUtf8(s, nameof(value));
        if (value.Value is GgufArray array) ValidateArray(array, key, depth + 1);
    }

    private static void ValidateArray(GgufArray array, string key, int depth)
    {
        if (depth > GgufFile.MaxArrayNesting)
            throw new ArgumentException($"metadata '{key}' nests arrays deeper than {GgufFile.MaxArrayNesting} levels", nameof(array));
        var elementType = ClrTypeOf(array.ElementType)
            ?? throw new ArgumentException($"metadata '{key}' array has unknown element type {(uint)array.ElementType}", nameof(array));
        if (array.Items is null || array.Items.GetType() != elementType.MakeArrayType())
            throw new ArgumentException($"metadata '{key}' array of {array.ElementType} must hold a {elementType.Name}[]", nameof(array));
        if (array.Items is string[] strings)
        {
            foreach (var s in strings)
            {
                if (s is null) throw new ArgumentException($"metadata '{key}' array holds a null string", nameof(array));
                RequireUtf8(s, nameof(array));
            }
        }
        if (array.Items is GgufArray[] nested)
        {
            foreach (var inner in nested)
            {
                if (inner is null) throw new ArgumentException($"metadata '{key}' array holds a null array", nameof(array));
                ValidateArray(inner, key, depth + 1);
            }
        }
    }

    /// <summary>The CLR type that carries each value type, as the reader produces it.</summary>
    private static Type? ClrTypeOf(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.Array => typeof(GgufArray),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => null,
    };

    // Strings in GGUF are UTF-8; a .NET string with a lone surrogate has no UTF-8 form.
    private static void RequireUtf8(string text, string parameter)
    {
        try
        {
            StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"'{text}' is not valid Unicode (lone surrogate)", parameter);
        }
    }

    /// <summary>Little-endian primitive writes that keep count of the bytes written, for padding.</summary>
    private sealed class CountingWriter(Stream stream)
    {
        private readonly BinaryWriter _writer = new(stream, StrictUtf8, leaveOpen: true);
        private long _written;

        public void Byte(byte v) { _writer.Write(v); _written += 1; }
        public void UInt16(ushort v) { _writer.Write(v); _written += 2; }
        public void UInt32(uint v) { _writer.Write(v); _written += 4; }
        public void UInt64(ulong v) { _writer.Write(v); _written += 8; }
        public void Float32(float v) { _writer.Write(v); _written += 4; }
        public void Float64(double v) { _writer.Write(v); _written += 8; }
        public void Bytes(ReadOnlySpan<byte> bytes) { _writer.Write(bytes); _written += bytes.Length; }

        public void String(string s)
        {
            var bytes = StrictUtf8.GetBytes(s);
            UInt64((ulong)bytes.Length);
            Bytes(bytes);
        }

        public void PadTo(uint alignment)
        {
            var padding = GgufHeaderParser.AlignUp(_written, alignment) - _written;
            Span<byte> zeros = stackalloc byte[(int)Math.Min(padding, 4096)];
            while (padding > 0)
            {
                var chunk = (int)Math.Min(padding, zeros.Length);
                Bytes(zeros[..chunk]);
                padding -= chunk;
            }
        }

        public void Flush() => _writer.Flush();
    }
}
