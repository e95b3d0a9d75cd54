using System.Buffers.Binary;
using System.Numerics;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Gguf;

/// <summary>
/// Parses and validates a GGUF v2/v3 header held in memory. Every defect raises
/// <see cref="GgufFormatException"/> naming the field and the byte offset where it was found.
/// v2 and v3 share one layout (64-bit counts and lengths); v3 only added big-endian files, which
/// are refused because the engine reads little-endian data in place.
/// </summary>
internal static unsafe class GgufHeaderParser
{
    // Smallest possible encodings, used to refuse counts the remaining bytes cannot hold.
    // Tensor info: name length (8) + empty name + n_dims (4) + one dim (8) + type (4) + offset (8).
    private const int MinTensorInfoBytes = 32;
    // Key-value: key length (8) + empty key + value type (4) + smallest value (1).
    private const int MinKeyValueBytes = 13;
    // Nested array: element type (4) + count (8).
    private const int MinArrayBytes = 12;

    public static GgufHeader Parse(byte* start, long length, string file)
    {
        var reader = new GgufReader(start, length, file);

        var magic = reader.ReadUInt32("magic");
        if (magic != GgufFile.Magic)
            throw reader.Error("magic", $"expected 'GGUF', found 0x{magic:X8}", 0);
        var version = reader.ReadUInt32("version");
        if (version == 1)
            throw reader.Error("version", "GGUF v1 (32-bit counts) is no longer supported; re-convert the model with a current converter", 4);
        if (BinaryPrimitives.ReverseEndianness(version) is 2 or 3)
            throw reader.Error("version", "big-endian GGUF files are not supported", 4);
        if (version is not (2 or 3))
            throw reader.Error("version", $"unsupported GGUF version {version} (2 and 3 are supported)", 4);

        var tensorCount = reader.ReadCount("tensor_count", MinTensorInfoBytes);
        var kvCount = reader.ReadCount("metadata_kv_count", MinKeyValueBytes);

        var metadata = ReadMetadata(ref reader, kvCount);
        var alignment = ReadAlignment(ref reader, metadata);
        var (tensors, offsetFieldsAt) = ReadTensorInfos(ref reader, tensorCount, alignment);

        // The data section starts at the first multiple of the alignment at or after the header end.
        var dataOffset = AlignUp(reader.Position, alignment);
        var dataLength = length - dataOffset; // negative when the file ends inside the padding
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            // A start past the end is the offset field's fault (and its absolute value may not even
            // fit in 64 bits); a start inside the file with too few bytes after it is a short file.
            if (t.Offset > dataLength)
                throw new GgufFormatException(file, $"tensor '{t.Name}' offset", offsetFieldsAt[i],
                    $"data offset {t.Offset} is past the end of the data section ({Math.Max(dataLength, 0)} bytes from byte {dataOffset})");
            if (t.ByteSize > dataLength - t.Offset)
                throw new GgufFormatException(file, $"tensor '{t.Name}' data", dataOffset + t.Offset,
                    $"{t.ByteSize} bytes at data offset {t.Offset} run past the end of the file ({length} bytes)");
        }
        return new GgufHeader(version, new GgufMetadata(metadata.Values), tensors, alignment, dataOffset);
    }

    internal static long AlignUp(long offset, long alignment)
    {
        var rest = offset % alignment;
        return rest == 0 ? offset : offset + (alignment - rest);
    }

    /// <summary>The key-values, and where the alignment value sits so its errors can point at it.</summary>
    private readonly record struct ParsedMetadata(Dictionary<string, GgufValue> Values, long AlignmentValueAt);

    private static ParsedMetadata ReadMetadata(ref GgufReader reader, long kvCount)
    {
        var values = new Dictionary<string, GgufValue>((int)Math.Min(kvCount, 4096), StringComparer.Ordinal);
        long alignmentValueAt = -1;
        for (long i = 0; i < kvCount; i++)
        {
            var keyAt = reader.Position;
            var key = reader.ReadString($"metadata[{i}].key");
            if (values.ContainsKey(key))
                throw reader.Error($"metadata key '{key}'", "duplicate key", keyAt);
            var typeAt = reader.Position;
            var type = (GgufValueType)reader.ReadUInt32($"{key} type");
            if (key == GgufKeys.Alignment) alignmentValueAt = reader.Position;
            values[key] = ReadValue(ref reader, type, key, typeAt);
        }
        return new ParsedMetadata(values, alignmentValueAt);
    }

    private static long ReadAlignment(ref GgufReader reader, ParsedMetadata metadata)
    {
        if (!metadata.Values.TryGetValue(GgufKeys.Alignment, out var value))
            return GgufFile.DefaultAlignment;
        var at = metadata.AlignmentValueAt;
        if (value.Type != GgufValueType.UInt32)
            throw reader.Error(GgufKeys.Alignment, $"must be a uint32, found {value.Type}", at);
        var alignment = (uint)value.Value;
        if (!BitOperations.IsPow2(alignment))
            throw reader.Error(GgufKeys.Alignment, $"alignment {alignment} is not a power of two", at);
        return alignment;
    }

    private static (List<GgufTensorInfo> Tensors, List<long> OffsetFieldsAt) ReadTensorInfos(ref GgufReader reader, long tensorCount, long alignment)
    {
        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 65536));
        var offsetFieldsAt = new List<long>(tensors.Capacity);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            var nameAt = reader.Position;
            var name = reader.ReadString($"tensor[{i}].name");
            if (!names.Add(name))
                throw reader.Error($"tensor '{name}'", "duplicate tensor name", nameAt);

            var nDimsAt = reader.Position;
            var nDims = reader.ReadUInt32($"tensor '{name}' n_dims");
            if (nDims is 0 or > GgufFile.MaxDimensions)
                throw reader.Error($"tensor '{name}' n_dims", $"{nDims} dimensions (1 to {GgufFile.MaxDimensions} allowed)", nDimsAt);
            var dims = new long[nDims];
            var firstDimAt = reader.Position;
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                var dimAt = reader.Position;
                var dim = reader.ReadUInt64($"tensor '{name}' dim[{d}]");
                if (dim is 0 or > long.MaxValue)
                    throw reader.Error($"tensor '{name}' dim[{d}]", $"dimension {dim} is out of range (1 to 2^63-1)", dimAt);
                dims[d] = (long)dim;
                if (elements > long.MaxValue / dims[d])
                    throw reader.Error($"tensor '{name}' dim[{d}]", "element count overflows a 64-bit integer", dimAt);
                elements *= dims[d];
            }

            var typeAt = reader.Position;
            var rawType = reader.ReadUInt32($"tensor '{name}' type");
            var type = (GgmlType)rawType;
            if (!GgmlTypeLayout.TryGet(type, out var blockSize, out var bytesPerBlock))
                throw reader.Error($"tensor '{name}' type", $"unknown tensor type {rawType}", typeAt);
            if (dims[0] % blockSize != 0)
                throw reader.Error($"tensor '{name}' dim[0]", $"row length {dims[0]} is not a multiple of the {type} block size {blockSize}", firstDimAt);
            var blocks = elements / blockSize;
            if (blocks > long.MaxValue / bytesPerBlock)
                throw reader.Error($"tensor '{name}' type", $"byte size of {elements} {type} elements overflows a 64-bit integer", typeAt);

            var offsetAt = reader.Position;
            var offset = reader.ReadUInt64($"tensor '{name}' offset");
            if (offset > long.MaxValue)
                throw reader.Error($"tensor '{name}' offset", $"offset {offset} is out of range", offsetAt);
            if ((long)offset % alignment != 0)
                throw reader.Error($"tensor '{name}' offset", $"offset {offset} is not a multiple of the alignment {alignment}", offsetAt);
            tensors.Add(new GgufTensorInfo(name, type, dims, (long)offset, blocks * bytesPerBlock));
            offsetFieldsAt.Add(offsetAt);
        }
        return (tensors, offsetFieldsAt);
    }

    private static GgufValue ReadValue(ref GgufReader reader, GgufValueType type, string key, long typeAt) => type switch
    {
        GgufValueType.UInt8 => new(type, reader.ReadByte(key)),
        GgufValueType.Int8 => new(type, (sbyte)reader.ReadByte(key)),
        GgufValueType.UInt16 => new(type, reader.ReadUInt16(key)),
        GgufValueType.Int16 => new(type, (short)reader.ReadUInt16(key)),
        GgufValueType.UInt32 => new(type, reader.ReadUInt32(key)),
        GgufValueType.Int32 => new(type, (int)reader.ReadUInt32(key)),
        GgufValueType.Float32 => new(type, reader.ReadFloat32(key)),
        GgufValueType.UInt64 => new(type, reader.ReadUInt64(key)),
        GgufValueType.Int64 => new(type, (long)reader.ReadUInt64(key)),
        GgufValueType.Float64 => new(type, reader.ReadFloat64(key)),
        GgufValueType.Bool => new(type, reader.ReadBool(key)),
        GgufValueType.String => new(type, reader.ReadString(key)),
        GgufValueType.Array => new(type, ReadArray(ref reader, key, depth: 1)),
        _ => throw reader.Error($"{key} type", $"unknown value type {(uint)type}", typeAt),
    };

    /// <summary>Smallest encoding of one array element, or 0 for a type the format does not define.</summary>
    private static int MinElementBytes(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        GgufValueType.String => 8,
        GgufValueType.Array => MinArrayBytes,
        _ => 0,
    };

    private static GgufArray ReadArray(ref GgufReader reader, string field, int depth)
    {
        var typeAt = reader.Position;
        if (depth > GgufFile.MaxArrayNesting)
            throw reader.Error(field, $"arrays nested deeper than {GgufFile.MaxArrayNesting} levels", typeAt);
        var elementType = (GgufValueType)reader.ReadUInt32($"{field} element type");
        var minBytes = MinElementBytes(elementType);
        if (minBytes == 0)
            throw reader.Error($"{field} element type", $"unknown value type {(uint)elementType}", typeAt);
        // Bounded by the remaining bytes, so the allocations below are bounded by the file size.
        var lengthAt = reader.Position;
        var count = reader.ReadCount($"{field} array length", minBytes);
        if (count > Array.MaxLength)
            throw reader.Error($"{field} array length", $"array of {count} elements is too long", lengthAt);
        var n = (int)count;

        // Element reads name the bare field; the element index is added only when one fails, so a
        // 150k-token vocabulary does not build 150k field names.
        int i = 0;
        Array items;
        try
        {
            switch (elementType)
            {
                case GgufValueType.UInt8: { var a = new byte[n]; for (; i < n; i++) a[i] = reader.ReadByte(field); items = a; break; }
                case GgufValueType.Int8: { var a = new sbyte[n]; for (; i < n; i++) a[i] = (sbyte)reader.ReadByte(field); items = a; break; }
                case GgufValueType.UInt16: { var a = new ushort[n]; for (; i < n; i++) a[i] = reader.ReadUInt16(field); items = a; break; }
                case GgufValueType.Int16: { var a = new short[n]; for (; i < n; i++) a[i] = (short)reader.ReadUInt16(field); items = a; break; }
                case GgufValueType.UInt32: { var a = new uint[n]; for (; i < n; i++) a[i] = reader.ReadUInt32(field); items = a; break; }
                case GgufValueType.Int32: { var a = new int[n]; for (; i < n; i++) a[i] = (int)reader.ReadUInt32(field); items = a; break; }
                case GgufValueType.Float32: { var a = new float[n]; for (; i < n; i++) a[i] = reader.ReadFloat32(field); items = a; break; }
                case GgufValueType.UInt64: { var a = new ulong[n]; for (; i < n; i++) a[i] = reader.ReadUInt64(field); items = a; break; }
                case GgufValueType.Int64: { var a = new long[n]; for (; i < n; i++) a[i] = (long)reader.ReadUInt64(field); items = a; break; }
                case GgufValueType.Float64: { var a = new double[n]; for (; i < n; i++) a[i] = reader.ReadFloat64(field); items = a; break; }
                case GgufValueType.Bool: { var a = new bool[n]; for (; i < n; i++) a[i] = reader.ReadBool(field); items = a; break; }
                case GgufValueType.String: { var a = new string[n]; for (; i < n; i++) a[i] = reader.ReadString(field); items = a; break; }
                default: { var a = new GgufArray[n]; for (; i < n; i++) a[i] = ReadArray(ref reader, field, depth + 1); items = a; break; }
            }
        }
        catch (GgufFormatException e) when (e.Field.StartsWith(field, StringComparison.Ordinal))
        {
            throw new GgufFormatException(e.File, $"{field}[{i}]{e.Field[field.Length..]}", e.Offset, e.Reason);
        }
        return new GgufArray(elementType, items);
    }
}
