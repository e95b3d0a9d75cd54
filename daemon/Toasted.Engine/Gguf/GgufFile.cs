using System.IO.MemoryMappedFiles;

namespace Toasted.Engine.Gguf;

/// <summary>
/// A GGUF (v2/v3) file opened read-only over a memory map: metadata, tensor infos and zero-copy views
/// of tensor data. Any defect in the file raises <see cref="GgufFormatException"/>. The file must not
/// be truncated or rewritten in place while it is open (replace it by rename, as
/// <see cref="GgufWriter"/> does, and open maps keep seeing the old contents).
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint DefaultAlignment = 32;
    public const int MaxDimensions = 4;
    /// <summary>Deepest array-of-array nesting accepted; a metadata array is level 1.</summary>
    public const int MaxArrayNesting = 16;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;
    private bool _disposed;

    private GgufFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, long length, GgufHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        Length = length;
        Version = header.Version;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        Alignment = header.Alignment;
        DataOffset = header.DataOffset;
        _tensorsByName = new Dictionary<string, GgufTensorInfo>(Tensors.Count, StringComparer.Ordinal);
        foreach (var t in Tensors) _tensorsByName.Add(t.Name, t);
    }

    public string Path { get; }
    public long Length { get; }
    public uint Version { get; }
    public GgufMetadata Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long Alignment { get; }

    /// <summary>Byte offset of the tensor data section from the start of the file.</summary>
    public long DataOffset { get; }

    /// <summary>
    /// Maps the file and validates its whole header. I/O failures (missing file, no permission)
    /// surface as the usual IOException family; a file whose contents are not valid GGUF raises
    /// <see cref="GgufFormatException"/>. Nothing stays mapped or open when either is thrown.
    /// </summary>
    public static GgufFile Open(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        FileStream? stream = null;
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var pointerAcquired = false;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
            // The length comes from the handle that gets mapped, so it cannot disagree with the map.
            var length = stream.Length;
            if (length == 0)
                throw new GgufFormatException(name, "magic", 0, "file is empty");
            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointerAcquired = true;
            pointer += view.PointerOffset;
            var header = GgufHeaderParser.Parse(pointer, length, name);
            return new GgufFile(path, map, view, pointer, length, header);
        }
        catch
        {
            if (pointerAcquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream?.Dispose();
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
        // Offsets were validated against this file only; a tensor of another file could point anywhere.
        if (!_tensorsByName.TryGetValue(tensor.Name, out var own) || !Equals(own, tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {System.IO.Path.GetFileName(Path)}", nameof(tensor));
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
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
