using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Gguf;

/// <summary>
/// Hand-made hostile files. Each case states the bytes and the field and byte offset the format
/// description says is at fault; the reader must raise exactly <see cref="GgufFormatException"/> there.
/// </summary>
public class GgufHostileFileTests
{
    private const ulong Huge = 1UL << 63;
    private const uint TypeUInt32 = 4, TypeUInt64 = 10, TypeString = 8, TypeArray = 9, TypeBool = 7, TypeUInt8 = 0;
    private const uint TensorF32 = 0, TensorF64 = 28, TensorQ4_0 = 2;

    private ScratchFolder _scratch = null!;

    [SetUp] public void CreateScratch() => _scratch = new ScratchFolder();
    [TearDown] public void DeleteScratch() => _scratch.Dispose();

    [TestCaseSource(nameof(HostileFiles))]
    public void Hostile_file_raises_a_typed_error_naming_field_and_offset(byte[] bytes, string field, long offset)
    {
        var path = _scratch.Write("hostile.gguf", bytes);
        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        Assert.That(error!.File, Is.EqualTo("hostile.gguf"));
        Assert.That(error.Field, Is.EqualTo(field), error.Message);
        Assert.That(error.Offset, Is.EqualTo(offset), error.Message);
        Assert.That(error.Message, Does.Contain("hostile.gguf").And.Contain(field).And.Contain($"byte {offset}"));
    }

    [TestCaseSource(nameof(ValidControls))]
    public void Valid_counterpart_of_the_hostile_cases_opens(byte[] bytes, uint version)
    {
        // Each hostile case changes one field of one of these, so the error comes from that field.
        var path = _scratch.Write("valid.gguf", bytes);
        using var file = GgufFile.Open(path);
        Assert.That(file.Version, Is.EqualTo(version));
    }

    [Test]
    public void Nonexistent_file_raises_the_usual_io_error_not_a_format_error()
    {
        Assert.That(() => GgufFile.Open(_scratch.PathOf("absent.gguf")), Throws.InstanceOf<FileNotFoundException>());
    }

    [Test]
    public void Refused_file_leaves_no_handle_or_mapping_behind_and_a_disposed_file_neither()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("inspects /proc/self");
        // The tensor range check is the last one, so the file is fully mapped when it is refused.
        var path = _scratch.Write("refused.gguf", OneTensorFile(TensorF32, 1UL << 40, [4]).Bytes);
        for (int i = 0; i < 20; i++)
            Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        Assert.That(IsOpenedByThisProcess(path), Is.False, "a refused file stays mapped or open");

        var validPath = _scratch.Write("valid.gguf", OneTensorFile(TensorF32, 0, [4]).Bytes);
        var file = GgufFile.Open(validPath);
        Assert.That(IsOpenedByThisProcess(validPath), Is.True, "the check must see an open file");
        file.Dispose();
        Assert.That(IsOpenedByThisProcess(validPath), Is.False, "a disposed file stays mapped or open");
    }

    private static bool IsOpenedByThisProcess(string path)
    {
        if (File.ReadAllText("/proc/self/maps").Contains(path, StringComparison.Ordinal)) return true;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == path) return true;
            }
            catch (IOException)
            {
                // The descriptor closed while being listed.
            }
        }
        return false;
    }

    private static IEnumerable<TestCaseData> ValidControls()
    {
        yield return new TestCaseData(OneTensorFile(TensorF32, 0, [4]).Bytes, 3u).SetName("Valid control: one f32 tensor");
        yield return new TestCaseData(OneKeyFile(TypeUInt32, f => f.U32(7)), 3u).SetName("Valid control: one uint32 key");
        yield return new TestCaseData(NestedArrayFile(GgufFile.MaxArrayNesting).Bytes, 3u).SetName("Valid control: arrays nested to the limit");
        yield return new TestCaseData(WriterFile(), 3u).SetName("Valid control: writer-made file");
        var v2 = new RawGguf();
        v2.Header(1, 1, version: 2);
        v2.KvU32("k", 1);
        v2.TensorInfo("t", TensorQ4_0, 0, 32, 2);
        v2.PadTo(32);
        v2.Bytes(new byte[36]);
        yield return new TestCaseData(v2.ToArray(), 2u).SetName("Valid control: GGUF v2 file");
    }

    private static IEnumerable<TestCaseData> HostileFiles()
    {
        TestCaseData Case(string name, byte[] bytes, string field, long offset) =>
            new TestCaseData(bytes, field, offset).SetName("Hostile: " + name);

        // Header.
        yield return Case("empty file", [], "magic", 0);
        yield return Case("three bytes", "GGU"u8.ToArray(), "magic", 0);
        yield return Case("wrong magic", [.. "GGML"u8, 3, 0, 0, 0, .. new byte[16]], "magic", 0);
        yield return Case("magic only", "GGUF"u8.ToArray(), "version", 4);
        foreach (var version in new uint[] { 0, 1, 4, 0x03000000, uint.MaxValue })
        {
            var f = new RawGguf();
            f.Header(0, 0, version);
            yield return Case($"version 0x{version:X8}", f.ToArray(), "version", 4);
        }
        yield return Case("header cut after version", [.. "GGUF"u8, 3, 0, 0, 0, 0, 0], "tensor_count", 8);
        foreach (var count in new[] { Huge, ulong.MaxValue, 1UL << 40 })
        {
            var f = new RawGguf();
            f.Header(count, 0);
            yield return Case($"tensor_count {count}", f.ToArray(), "tensor_count", 8);
        }
        foreach (var count in new[] { Huge, ulong.MaxValue, 1UL << 62 })
        {
            var f = new RawGguf();
            f.Header(0, count);
            yield return Case($"metadata_kv_count {count}", f.ToArray(), "metadata_kv_count", 16);
        }

        // Keys.
        foreach (var length in new[] { Huge, ulong.MaxValue, 100UL })
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.U64(length);
            f.Bytes(new byte[8]);
            yield return Case($"key length {length}", f.ToArray(), "metadata[0].key length", 24);
        }
        foreach (var (label, utf8) in new (string, byte[])[] { ("bad continuation", [0xC3, 0x28]), ("overlong slash", [0xC0, 0xAF]), ("lone surrogate", [0xED, 0xA0, 0x80]), ("0xFF", [0xFF]) })
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.StrBytes(utf8);
            f.U32(TypeUInt32);
            f.U32(0);
            yield return Case($"key not UTF-8 ({label})", f.ToArray(), "metadata[0].key", 32);
        }
        {
            var f = new RawGguf();
            f.Header(0, 2);
            f.KvU32("k", 1);
            var second = f.Position;
            f.KvU32("k", 2);
            yield return Case("duplicate key", f.ToArray(), "metadata key 'k'", second);
        }

        // Values.
        foreach (var type in new uint[] { 13, 0xFFFFFFFF })
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            var at = f.U32(type);
            f.U64(0);
            yield return Case($"unknown value type {type}", f.ToArray(), "k type", at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeBool);
            var at = f.U8(2);
            f.Bytes(new byte[16]);
            yield return Case("bool byte 2", f.ToArray(), "k", at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeString);
            var at = f.U64(ulong.MaxValue);
            yield return Case("string value length 2^64-1", f.ToArray(), "k length", at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeString);
            var at = f.StrBytes([0x41, 0xE2, 0x82]);
            yield return Case("string value not UTF-8 (cut sequence)", f.ToArray(), "k", at + 8);
        }

        // Arrays.
        foreach (var (elementType, label) in new[] { (TypeUInt8, "u8"), (TypeString, "string"), (TypeArray, "array") })
        {
            foreach (var length in new[] { ulong.MaxValue, Huge, 1UL << 32 })
            {
                var f = new RawGguf();
                f.Header(0, 1);
                f.Str("k");
                f.U32(TypeArray);
                f.U32(elementType);
                var at = f.U64(length);
                f.Bytes(new byte[64]);
                yield return Case($"{label} array length {length}", f.ToArray(), "k array length", at);
            }
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeArray);
            var at = f.U32(13);
            f.U64(0);
            yield return Case("unknown array element type", f.ToArray(), "k element type", at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeArray);
            f.U32(TypeBool);
            f.U64(3);
            f.U8(1);
            var at = f.U8(255);
            f.U8(0);
            yield return Case("bool array element 255", f.ToArray(), "k[1]", at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeArray);
            f.U32(TypeString);
            f.U64(2);
            f.Str("ok");
            var at = f.StrBytes([0xFE]);
            yield return Case("string array element not UTF-8", f.ToArray(), "k[1]", at + 8);
        }
        {
            var (bytes, innermost) = NestedArrayFile(GgufFile.MaxArrayNesting + 1);
            yield return Case("arrays nested one level past the limit", bytes, "k" + string.Concat(Enumerable.Repeat("[0]", GgufFile.MaxArrayNesting)), innermost);
        }
        {
            var (bytes, _) = NestedArrayFile(100_000);
            yield return Case("arrays nested 100000 deep", bytes, "k" + string.Concat(Enumerable.Repeat("[0]", GgufFile.MaxArrayNesting)), 24 + 9 + 4 + GgufFile.MaxArrayNesting * 12L);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str("k");
            f.U32(TypeArray);
            f.U32(TypeString);
            f.U64(2);
            f.Str("a first token that fits");
            var at = f.Str("second");
            var cut = f.ToArray()[..(int)(at + 8 + 3)];
            yield return Case("array cut inside a string element", cut, "k[1] length", at);
        }

        // general.alignment.
        foreach (var alignment in new uint[] { 0, 3, 48, 0xFFFFFFFF })
        {
            var f = new RawGguf();
            f.Header(0, 1);
            var at = f.KvU32(GgufKeys.Alignment, alignment);
            yield return Case($"alignment {alignment}", f.ToArray(), GgufKeys.Alignment, at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str(GgufKeys.Alignment);
            f.U32(TypeUInt64);
            var at = f.U64(32);
            yield return Case("alignment stored as uint64", f.ToArray(), GgufKeys.Alignment, at);
        }
        {
            var f = new RawGguf();
            f.Header(0, 1);
            f.Str(GgufKeys.Alignment);
            f.U32(TypeString);
            var at = f.Str("32");
            yield return Case("alignment stored as string", f.ToArray(), GgufKeys.Alignment, at);
        }

        // Tensor infos.
        {
            var t = OneTensorFile(TensorF32, 0, []);
            yield return Case("n_dims 0", t.Bytes, "tensor 't' n_dims", t.Info.NDims);
        }
        {
            var t = OneTensorFile(TensorF32, 0, [1, 1, 1, 1, 1]);
            yield return Case("n_dims 5", t.Bytes, "tensor 't' n_dims", t.Info.NDims);
        }
        {
            var t = OneTensorFile(TensorF32, 0, [0]);
            yield return Case("dimension 0", t.Bytes, "tensor 't' dim[0]", t.Info.FirstDim);
        }
        {
            var t = OneTensorFile(TensorF32, 0, [4, Huge]);
            yield return Case("dimension 2^63", t.Bytes, "tensor 't' dim[1]", t.Info.FirstDim + 8);
        }
        {
            var t = OneTensorFile(TensorF32, 0, [1UL << 32, 1UL << 32]);
            yield return Case("element count overflows", t.Bytes, "tensor 't' dim[1]", t.Info.FirstDim + 8);
        }
        {
            var t = OneTensorFile(TensorF64, 0, [1UL << 31, 1UL << 31]);
            yield return Case("byte size overflows", t.Bytes, "tensor 't' type", t.Info.Type);
        }
        foreach (var type in new uint[] { 4, 31, 40, 0xFFFFFFFF })
        {
            var t = OneTensorFile(type, 0, [4]);
            yield return Case($"unknown tensor type {type}", t.Bytes, "tensor 't' type", t.Info.Type);
        }
        {
            var t = OneTensorFile(TensorQ4_0, 0, [31]);
            yield return Case("row not a whole number of blocks", t.Bytes, "tensor 't' dim[0]", t.Info.FirstDim);
        }
        foreach (var offset in new ulong[] { 1, 16, 33 })
        {
            var t = OneTensorFile(TensorF32, offset, [4]);
            yield return Case($"offset {offset} not aligned", t.Bytes, "tensor 't' offset", t.Info.Offset);
        }
        {
            var t = OneTensorFile(TensorF32, Huge, [4]);
            yield return Case("offset 2^63", t.Bytes, "tensor 't' offset", t.Info.Offset);
        }
        {
            var t = OneTensorFile(TensorF32, 1UL << 40, [4]);
            yield return Case("offset past the end", t.Bytes, "tensor 't' offset", t.Info.Offset);
        }
        {
            var t = OneTensorFile(TensorF32, 0, [5]);
            yield return Case("data runs past the end", t.Bytes, "tensor 't' data", t.DataOffset);
        }
        {
            var f = new RawGguf();
            f.Header(1, 0);
            f.TensorInfo("t", TensorF32, 32, 4);
            var dataOffset = f.PadTo(32);
            f.Bytes(new byte[32]);
            yield return Case("data starts exactly at the end", f.ToArray(), "tensor 't' data", dataOffset + 32);
        }
        {
            var t = OneTensorFile(TensorF32, 0, [4]);
            yield return Case("file ends inside the padding before the data", t.Bytes[..(int)(t.DataOffset - 1)], "tensor 't' offset", t.Info.Offset);
        }
        {
            var t = OneTensorFile(TensorF32, (ulong)long.MaxValue & ~31UL, [4]);
            yield return Case("offset near 2^63, whose absolute position overflows", t.Bytes, "tensor 't' offset", t.Info.Offset);
        }
        {
            var f = new RawGguf();
            f.Header(2, 0);
            f.TensorInfo("t", TensorF32, 0, 4);
            var second = f.TensorInfo("t", TensorF32, 32, 4);
            f.PadTo(32);
            f.Bytes(new byte[64]);
            yield return Case("duplicate tensor names", f.ToArray(), "tensor 't'", second.Name);
        }
        {
            var f = new RawGguf();
            f.Header(1, 0);
            var at = f.StrBytes([0x74, 0x80]);
            f.U32(1);
            f.U64(4);
            f.U32(TensorF32);
            f.U64(0);
            f.PadTo(32);
            f.Bytes(new byte[16]);
            yield return Case("tensor name not UTF-8", f.ToArray(), "tensor[0].name", at + 8);
        }
        {
            var f = new RawGguf();
            f.Header(1, 0);
            var info = f.TensorInfo("a.rather.long.tensor.name", TensorF32, 0, 4);
            yield return Case("cut inside a tensor info", f.ToArray()[..(int)(info.FirstDim + 3)], "tensor 'a.rather.long.tensor.name' dim[0]", info.FirstDim);
        }

        // Writer-made files with one field overwritten.
        {
            var bytes = WriterFile();
            var info = RawGguf.FindTensorInfo(bytes, "w");
            RawGguf.Patch(bytes, info.Type, 99, 4);
            yield return Case("writer file, tensor type 99", bytes, "tensor 'w' type", info.Type);
        }
        {
            var bytes = WriterFile();
            var info = RawGguf.FindTensorInfo(bytes, "w");
            RawGguf.Patch(bytes, info.NDims, 5, 4);
            yield return Case("writer file, n_dims 5", bytes, "tensor 'w' n_dims", info.NDims);
        }
        {
            var bytes = WriterFile();
            var info = RawGguf.FindTensorInfo(bytes, "w");
            RawGguf.Patch(bytes, info.Offset, 32, 8); // alignment is 64 in this file
            yield return Case("writer file, offset aligned to 32 but not 64", bytes, "tensor 'w' offset", info.Offset);
        }
        {
            var bytes = WriterFile();
            var valueAt = RawGguf.FindString(bytes, GgufKeys.Alignment) + 8 + GgufKeys.Alignment.Length + 4;
            RawGguf.Patch(bytes, valueAt, 3, 4);
            yield return Case("writer file, alignment 3", bytes, GgufKeys.Alignment, valueAt);
        }
        {
            var bytes = WriterFile();
            var second = RawGguf.FindTensorInfo(bytes, "x");
            RawGguf.Patch(bytes, second.Name + 8, 'w', 1);
            yield return Case("writer file, second tensor renamed to the first", bytes, "tensor 'w'", second.Name);
        }
    }

    private static byte[] OneKeyFile(uint type, Action<RawGguf> writeValue)
    {
        var f = new RawGguf();
        f.Header(0, 1);
        f.Str("k");
        f.U32(type);
        writeValue(f);
        return f.ToArray();
    }

    /// <summary>One tensor 't' of the given type and dims, followed by 16 bytes of data.</summary>
    private static (byte[] Bytes, TensorInfoOffsets Info, long DataOffset) OneTensorFile(uint type, ulong offset, ulong[] dims)
    {
        var f = new RawGguf();
        f.Header(1, 0);
        var info = f.TensorInfo("t", type, offset, dims);
        var dataOffset = f.PadTo(32);
        f.Bytes(new byte[16]);
        return (f.ToArray(), info, dataOffset);
    }

    /// <summary>A key 'k' holding arrays nested <paramref name="levels"/> deep; returns where the innermost array starts.</summary>
    private static (byte[] Bytes, long Innermost) NestedArrayFile(int levels)
    {
        var f = new RawGguf();
        f.Header(0, 1);
        f.Str("k");
        f.U32(TypeArray);
        for (int level = 1; level < levels; level++)
        {
            f.U32(TypeArray);
            f.U64(1);
        }
        var innermost = f.U32(TypeUInt8);
        f.U64(1);
        f.U8(42);
        return (f.ToArray(), innermost);
    }

    private static byte[] WriterFile()
    {
        var writer = new GgufWriter()
            .Set(GgufKeys.Alignment, 64u)
            .Set(GgufKeys.Architecture, "llama")
            .AddTensor("w", GgmlType.F32, [4, 2], new byte[32])
            .AddTensor("x", GgmlType.Q8_0, [32], new byte[34]);
        using var bytes = new MemoryStream();
        writer.WriteTo(bytes);
        return bytes.ToArray();
    }
}
