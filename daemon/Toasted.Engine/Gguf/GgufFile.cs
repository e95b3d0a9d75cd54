using System.IO.MemoryMappedFiles;
using System.Numerics;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Gguf;

/// <summary>
/// A GGUF (v2/v3) file opened read-only over a memory map: metadata, tensor infos and zero-copy views
/// of tensor data. Any defect in the file raises <see cref="GgufFormatException"/>.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    public const uint Magic = 0x46554747; // "GGUF" read as little-endian uint32
    public const ulong DefaultAlignment = 32;
    public const int MaxDimensions = 4;
    private const int MaxArrayNesting = 16;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;
    private bool _disposed;

    private GgufFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        Length = length;
        var reader = new GgufReader(basePointer, length, System.IO.Path.GetFileName(path));
        (Version, Metadata, Tensors, Alignment, DataOffset) = Parse(ref reader, length);
        _tensorsByName = new Dictionary<string, GgufTensorInfo>(Tensors.Count, StringComparer.Ordinal);
        foreach (var t in Tensors) _tensorsByName[t.Name] = t;
    }

    public string Path { get; }
    public long Length { get; }
    public uint Version { get; }
    public GgufMetadata Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long Alignment { get; }

    /// <summary>Byte offset of the tensor data section from the start of the file.</summary>
    public long DataOffset { get; }

    public static GgufFile Open(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        var length = new FileInfo(path).Length;
        if (length == 0)
            throw new GgufFormatException(name, "magic", 0, "file is empty");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            return new GgufFile(path, map, view, pointer, length);
        }
        catch
        {
            if (view is not null)
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                view.Dispose();
            }
            map.Dispose();
            throw;
        }
    }

    public bool TryGetTensor(string name, out GgufTensorInfo tensor) =>
        _tensorsByName.TryGetValue(name, out tensor!);

    public GgufTensorInfo GetTensor(string name) =>
        _tensorsByName.TryGetValue(name, out var t)
            ? t
            : throw new KeyNotFoundException($"{System.IO.Path.GetFileName(Path)}: tensor '{name}' not found");

    /// <summary>Pointer to the first byte of a tensor's data inside the map; valid until Dispose.</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _base + DataOffset + tensor.Offset;
    }

    /// <summary>Zero-copy view of a tensor's bytes (tensors past 2 GiB need <see cref="GetTensorPointer"/>).</summary>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"tensor '{tensor.Name}' is larger than a span can view; use GetTensorPointer");
        return new ReadOnlySpan<byte>(GetTensorPointer(tensor), (int)tensor.ByteSize);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }

    private static (uint, GgufMetadata, IReadOnlyList<GgufTensorInfo>, long, long) Parse(ref GgufReader reader, long fileLength)
    {
        var magic = reader.ReadUInt32("magic");
        if (magic != Magic)
            throw reader.Error("magic", $"expected 'GGUF', found 0x{magic:X8}", 0);
        var version = reader.ReadUInt32("version");
        if (version == 1)
            throw reader.Error("version", "GGUF v1 is no longer supported; re-convert the model", 4);
        if (version is not (2 or 3))
            throw reader.Error("version", $"unsupported GGUF version {version} (2 and 3 are supported)", 4);

        // v2 and v3 share a layout: 64-bit counts and lengths. A tensor info takes at least
        // 8 (name length) + 4 (dims) + 8 (one dim) + 4 (type) + 8 (offset) bytes; a key-value 8 + 4 + 1.
        var tensorCount = reader.ReadCount("tensor_count", 32, wide: true);
        var kvCount = reader.ReadCount("metadata_kv_count", 13, wide: true);

        var metadata = new Dictionary<string, GgufValue>((int)Math.Min(kvCount, 4096), StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            var keyAt = reader.Position;
            var key = reader.ReadString($"metadata[{i}].key", wideLength: true);
            if (metadata.ContainsKey(key))
                throw reader.Error($"metadata key '{key}'", "duplicate key", keyAt);
            var typeAt = reader.Position;
            var type = (GgufValueType)reader.ReadUInt32($"metadata '{key}' type");
            metadata[key] = ReadValue(ref reader, type, key, typeAt, 0);
        }
        var meta = new GgufMetadata(metadata);

        long alignment = (long)DefaultAlignment;
        if (metadata.TryGetValue(GgufKeys.Alignment, out var alignValue))
        {
            if (alignValue.Type != GgufValueType.UInt32)
                throw reader.Error(GgufKeys.Alignment, $"must be uint32, found {alignValue.Type}");
            alignment = (uint)alignValue.Value;
            if (alignment == 0 || !BitOperations.IsPow2(alignment))
                throw reader.Error(GgufKeys.Alignment, $"alignment {alignment} is not a power of two");
        }

        var infos = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 65536));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            var nameAt = reader.Position;
            var name = reader.ReadString($"tensor[{i}].name", wideLength: true);
            if (!names.Add(name))
                throw reader.Error($"tensor '{name}'", "duplicate tensor name", nameAt);
            var dimsAt = reader.Position;
            var nDims = reader.ReadUInt32($"tensor '{name}' n_dims");
            if (nDims == 0 || nDims > MaxDimensions)
                throw reader.Error($"tensor '{name}' n_dims", $"{nDims} dimensions (1 to {MaxDimensions} allowed)", dimsAt);
            var dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                var dimAt = reader.Position;
                var dim = reader.ReadUInt64($"tensor '{name}' dim[{d}]");
                if (dim == 0 || dim > long.MaxValue)
                    throw reader.Error($"tensor '{name}' dim[{d}]", $"dimension {dim} is out of range", dimAt);
                dims[d] = (long)dim;
                if (elements > long.MaxValue / dims[d])
                    throw reader.Error($"tensor '{name}' dims", "element count overflows", dimAt);
                elements *= dims[d];
            }
            var typeAt = reader.Position;
            var rawType = reader.ReadUInt32($"tensor '{name}' type");
            var type = (GgmlType)rawType;
            if (!GgmlTypeLayout.TryGet(type, out var blockSize, out var bytesPerBlock))
                throw reader.Error($"tensor '{name}' type", $"unknown tensor type {rawType}", typeAt);
            if (dims[0] % blockSize != 0)
                throw reader.Error($"tensor '{name}' dims", $"row length {dims[0]} is not a multiple of the {type} block size {blockSize}", dimsAt);
            var blocks = elements / blockSize;
            if (blocks > long.MaxValue / bytesPerBlock)
                throw reader.Error($"tensor '{name}' dims", "byte size overflows", dimsAt);
            var offsetAt = reader.Position;
            var offset = reader.ReadUInt64($"tensor '{name}' offset");
            if (offset > long.MaxValue)
                throw reader.Error($"tensor '{name}' offset", $"offset {offset} is out of range", offsetAt);
            if ((long)offset % alignment != 0)
                throw reader.Error($"tensor '{name}' offset", $"offset {offset} is not aligned to {alignment}", offsetAt);
            infos.Add(new GgufTensorInfo(name, type, dims, (long)offset, blocks * bytesPerBlock));
        }

        // The data section starts at the next multiple of the alignment after the header.
        var dataOffset = reader.Position;
        var pad = dataOffset % alignment;
        if (pad != 0) dataOffset += alignment - pad;
        foreach (var t in infos)
        {
            if (t.Offset > fileLength - dataOffset || t.ByteSize > fileLength - dataOffset - t.Offset)
                throw new GgufFormatException(reader.File, $"tensor '{t.Name}' data",
                    dataOffset + t.Offset, $"{t.ByteSize} bytes at data offset {t.Offset} run past the end of the file ({fileLength} bytes)");
        }
        return (version, meta, infos, alignment, dataOffset);
    }

    private static GgufValue ReadValue(ref GgufReader reader, GgufValueType type, string key, long typeAt, int depth)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return new(type, reader.ReadByte(key));
            case GgufValueType.Int8: return new(type, (sbyte)reader.ReadByte(key));
            case GgufValueType.UInt16: return new(type, reader.ReadUInt16(key));
            case GgufValueType.Int16: return new(type, (short)reader.ReadUInt16(key));
            case GgufValueType.UInt32: return new(type, reader.ReadUInt32(key));
            case GgufValueType.Int32: return new(type, (int)reader.ReadUInt32(key));
            case GgufValueType.Float32: return new(type, reader.ReadFloat32(key));
            case GgufValueType.UInt64: return new(type, reader.ReadUInt64(key));
            case GgufValueType.Int64: return new(type, (long)reader.ReadUInt64(key));
            case GgufValueType.Float64: return new(type, reader.ReadFloat64(key));
            case GgufValueType.Bool:
                {
                    var at = reader.Position;
                    var b = reader.ReadByte(key);
                    if (b > 1) throw reader.Error(key, $"bool value {b} is neither 0 nor 1", at);
                    return new(type, b == 1);
                }
            case GgufValueType.String: return new(type, reader.ReadString(key, wideLength: true));
            case GgufValueType.Array: return new(type, ReadArray(ref reader, key, depth));
            default:
                throw reader.Error($"metadata '{key}' type", $"unknown value type {(uint)type}", typeAt);
        }
    }

    private static GgufArray ReadArray(ref GgufReader reader, string key, int depth)
    {
        if (depth >= MaxArrayNesting)
            throw reader.Error(key, $"arrays nested deeper than {MaxArrayNesting}");
        var typeAt = reader.Position;
        var elementType = (GgufValueType)reader.ReadUInt32($"{key} element type");
        int minBytes = elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => throw reader.Error($"{key} element type", $"unknown value type {(uint)elementType}", typeAt),
        };
        var count = reader.ReadCount($"{key} array length", minBytes, wide: true);
        if (count > Array.MaxLength)
            throw reader.Error(key, $"array of {count} elements is too long");
        int n = (int)count;
        Array items;
        switch (elementType)
        {
            case GgufValueType.UInt8: { var a = new byte[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadByte(key); items = a; break; }
            case GgufValueType.Int8: { var a = new sbyte[n]; for (int i = 0; i < n; i++) a[i] = (sbyte)reader.ReadByte(key); items = a; break; }
            case GgufValueType.UInt16: { var a = new ushort[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadUInt16(key); items = a; break; }
            case GgufValueType.Int16: { var a = new short[n]; for (int i = 0; i < n; i++) a[i] = (short)reader.ReadUInt16(key); items = a; break; }
            case GgufValueType.UInt32: { var a = new uint[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadUInt32(key); items = a; break; }
            case GgufValueType.Int32: { var a = new int[n]; for (int i = 0; i < n; i++) a[i] = (int)reader.ReadUInt32(key); items = a; break; }
            case GgufValueType.Float32: { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadFloat32(key); items = a; break; }
            case GgufValueType.UInt64: { var a = new ulong[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadUInt64(key); items = a; break; }
            case GgufValueType.Int64: { var a = new long[n]; for (int i = 0; i < n; i++) a[i] = (long)reader.ReadUInt64(key); items = a; break; }
            case GgufValueType.Float64: { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadFloat64(key); items = a; break; }
            case GgufValueType.Bool:
                {
                    var a = new bool[n];
                    for (int i = 0; i < n; i++)
                    {
                        var at = reader.Position;
                        var b = reader.ReadByte(key);
                        if (b > 1) throw reader.Error(key, $"bool value {b} is neither 0 nor 1", at);
                        a[i] = b == 1;
                    }
                    items = a;
                    break;
                }
            case GgufValueType.String: { var a = new string[n]; for (int i = 0; i < n; i++) a[i] = reader.ReadString($"{key}[{i}]", wideLength: true); items = a; break; }
            default: { var a = new GgufArray[n]; for (int i = 0; i < n; i++) a[i] = ReadArray(ref reader, $"{key}[{i}]", depth + 1); items = a; break; }
        }
        return new GgufArray(elementType, items);
    }
}
