using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;

namespace Toasted.Engine.Tests.Gguf;

public class GgufWriterRoundTripTests
{
    private ScratchFolder _scratch = null!;

    [SetUp] public void CreateScratch() => _scratch = new ScratchFolder();
    [TearDown] public void DeleteScratch() => _scratch.Dispose();

    private static readonly (string Key, GgufValue Value)[] ScalarsOfEveryType =
    [
        ("u8", new(GgufValueType.UInt8, byte.MaxValue)),
        ("i8", new(GgufValueType.Int8, sbyte.MinValue)),
        ("u16", new(GgufValueType.UInt16, ushort.MaxValue)),
        ("i16", new(GgufValueType.Int16, short.MinValue)),
        ("u32", new(GgufValueType.UInt32, uint.MaxValue)),
        ("i32", new(GgufValueType.Int32, int.MinValue)),
        ("f32", new(GgufValueType.Float32, -1.5e-38f)),
        ("f32.nan", new(GgufValueType.Float32, BitConverter.Int32BitsToSingle(0x7FC00001))),
        ("bool.true", new(GgufValueType.Bool, true)),
        ("bool.false", new(GgufValueType.Bool, false)),
        ("string", new(GgufValueType.String, "toast \u00e9\u4e2d\ud83c\udf5e")),
        ("string.empty", new(GgufValueType.String, "")),
        ("u64", new(GgufValueType.UInt64, ulong.MaxValue)),
        ("i64", new(GgufValueType.Int64, long.MinValue)),
        ("f64", new(GgufValueType.Float64, double.Epsilon)),
        ("f64.negative_zero", new(GgufValueType.Float64, -0.0)),
    ];

    [Test]
    public void Every_scalar_value_type_round_trips_with_its_type_and_exact_bits()
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in ScalarsOfEveryType) writer.Set(key, value);
        using var file = WriteAndOpen(writer);

        Assert.That(file.Version, Is.EqualTo(3));
        Assert.That(file.Metadata.Values.Keys, Is.EquivalentTo(ScalarsOfEveryType.Select(s => s.Key)));
        foreach (var (key, value) in ScalarsOfEveryType)
            AssertSameValue(value, file.Metadata.Get(key), key);
        var coveredTypes = ScalarsOfEveryType.Select(s => s.Value.Type).Append(GgufValueType.Array).ToHashSet();
        Assert.That(coveredTypes, Is.EquivalentTo(Enum.GetValues<GgufValueType>()), "the table must cover every value type");
    }

    [Test]
    public void Arrays_of_every_element_type_and_nested_arrays_round_trip()
    {
        var arrays = new (string Key, GgufArray Array)[]
        {
            ("a.u8", new(GgufValueType.UInt8, new byte[] { 0, 1, 255 })),
            ("a.i8", new(GgufValueType.Int8, new sbyte[] { -128, 0, 127 })),
            ("a.u16", new(GgufValueType.UInt16, new ushort[] { 0, 65535 })),
            ("a.i16", new(GgufValueType.Int16, new short[] { -32768, 32767 })),
            ("a.u32", new(GgufValueType.UInt32, new uint[] { 0, uint.MaxValue })),
            ("a.i32", new(GgufValueType.Int32, new[] { int.MinValue, -1, int.MaxValue })),
            ("a.f32", new(GgufValueType.Float32, new[] { float.NegativeInfinity, 0.1f, float.MaxValue })),
            ("a.bool", new(GgufValueType.Bool, new[] { true, false, true })),
            ("a.string", new(GgufValueType.String, new[] { "", "<s>", "\u2581the", "\n" })),
            ("a.u64", new(GgufValueType.UInt64, new[] { 0UL, ulong.MaxValue })),
            ("a.i64", new(GgufValueType.Int64, new[] { long.MinValue, long.MaxValue })),
            ("a.f64", new(GgufValueType.Float64, new[] { double.MinValue, Math.PI })),
            ("a.empty", new(GgufValueType.Float32, Array.Empty<float>())),
            ("a.nested", new(GgufValueType.Array, new GgufArray[]
            {
                new(GgufValueType.String, new[] { "x", "y" }),
                new(GgufValueType.Array, new GgufArray[]
                {
                    new(GgufValueType.Int16, new short[] { 7 }),
                    new(GgufValueType.Bool, Array.Empty<bool>()),
                }),
                new(GgufValueType.Array, Array.Empty<GgufArray>()),
            })),
        };
        var writer = new GgufWriter();
        foreach (var (key, array) in arrays) writer.Set(key, array);
        using var file = WriteAndOpen(writer);

        foreach (var (key, array) in arrays)
            AssertSameValue(new GgufValue(GgufValueType.Array, array), file.Metadata.Get(key), key);
    }

    [Test]
    public void Arrays_nested_to_the_documented_limit_round_trip()
    {
        var array = new GgufArray(GgufValueType.UInt8, new byte[] { 42 });
        for (int level = 1; level < GgufFile.MaxArrayNesting; level++)
            array = new GgufArray(GgufValueType.Array, new[] { array });
        using var file = WriteAndOpen(new GgufWriter().Set("deep", array));

        var read = file.Metadata.GetArray("deep");
        for (int level = 1; level < GgufFile.MaxArrayNesting; level++)
            read = ((GgufArray[])read.Items)[0];
        Assert.That(read.Items, Is.EqualTo(new byte[] { 42 }));
    }

    [TestCase(32u)]
    [TestCase(64u)]
    public void Tensors_round_trip_byte_for_byte_at_aligned_offsets(uint alignment)
    {
        var random = new Random(1234);
        var tensors = new (string Name, GgmlType Type, long[] Dims)[]
        {
            ("odd.f32", GgmlType.F32, [3, 5]),          // 60 bytes: the next tensor needs padding
            ("blocks.q4_0", GgmlType.Q4_0, [64, 3]),   // 6 blocks of 18 bytes
            ("blocks.q4_k", GgmlType.Q4_K, [256, 1, 2]),
            ("scalar.i8", GgmlType.I8, [1]),
            ("four.f16", GgmlType.F16, [2, 3, 1, 2]),
        };
        var writer = new GgufWriter().Set(GgufKeys.Alignment, alignment);
        var data = new Dictionary<string, byte[]>();
        foreach (var (name, type, dims) in tensors)
        {
            var bytes = new byte[GgmlTypeLayout.RowBytes(type, dims[0]) * dims.Skip(1).Aggregate(1L, (a, b) => a * b)];
            random.NextBytes(bytes);
            data[name] = bytes;
            writer.AddTensor(name, type, dims, bytes);
        }
        using var file = WriteAndOpen(writer);

        Assert.That(file.Alignment, Is.EqualTo(alignment));
        Assert.That(file.DataOffset % alignment, Is.Zero);
        Assert.That(file.Tensors.Select(t => t.Name), Is.EqualTo(tensors.Select(t => t.Name)), "tensor order is kept");
        long previousEnd = 0;
        foreach (var (name, type, dims) in tensors)
        {
            var tensor = file.GetTensor(name);
            Assert.That(tensor.Type, Is.EqualTo(type));
            Assert.That(tensor.Dimensions, Is.EqualTo(dims));
            Assert.That(tensor.Offset % alignment, Is.Zero, name);
            Assert.That(tensor.Offset, Is.GreaterThanOrEqualTo(previousEnd), "tensors must not overlap");
            Assert.That(file.GetTensorBytes(tensor).ToArray(), Is.EqualTo(data[name]), name);
            previousEnd = tensor.Offset + tensor.ByteSize;
        }
        Assert.That(file.Length % alignment, Is.Zero, "the last tensor is padded to the alignment too");
    }

    [Test]
    public void Writer_output_matches_the_byte_layout_of_the_format_description()
    {
        var tensorData = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        var writer = new GgufWriter().Set("answer", 42u).AddTensor("t", GgmlType.F32, [2], tensorData);
        using var written = new MemoryStream();
        writer.WriteTo(written);

        var expected = new RawGguf();
        expected.Header(tensorCount: 1, kvCount: 1);
        expected.KvU32("answer", 42);
        expected.TensorInfo("t", type: 0, offset: 0, 2);
        expected.PadTo(32);
        expected.Bytes(tensorData);
        expected.PadTo(32);
        Assert.That(written.ToArray(), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void Rewriting_the_real_stories260K_file_reproduces_it_byte_for_byte()
    {
        using var original = GgufFile.Open(Toasted.Tests.Shared.SharedKit.Require("corpus/real/stories260K.gguf"));
        var writer = new GgufWriter();
        foreach (var (key, value) in original.Metadata.Values) writer.Set(key, value);
        foreach (var t in original.Tensors) writer.AddTensor(t.Name, t.Type, t.Dimensions, original.GetTensorBytes(t).ToArray());
        using var copy = WriteAndOpen(writer);

        Assert.That(copy.Metadata.Values.Keys, Is.EquivalentTo(original.Metadata.Values.Keys));
        foreach (var (key, value) in original.Metadata.Values)
            AssertSameValue(value, copy.Metadata.Get(key), key);
        // The reference converter wrote this file; the same layout rules give the same bytes.
        var same = File.ReadAllBytes(copy.Path).AsSpan().SequenceEqual(File.ReadAllBytes(original.Path));
        Assert.That(same, Is.True, "the rewritten file differs from the original");
    }

    [Test]
    public void Write_replaces_the_target_while_an_open_map_keeps_the_old_contents_and_leaves_no_temporary_file()
    {
        var path = _scratch.PathOf("model.gguf");
        new GgufWriter().Set("generation", 1u).Write(path);
        using var before = GgufFile.Open(path);

        new GgufWriter().Set("generation", 2u).Write(path);
        using var after = GgufFile.Open(path);

        Assert.That(before.Metadata.GetInteger("generation"), Is.EqualTo(1));
        Assert.That(after.Metadata.GetInteger("generation"), Is.EqualTo(2));
        Assert.That(Directory.GetFiles(_scratch.FullPath), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void Failed_write_leaves_no_temporary_file_behind()
    {
        // The target is a folder, so the final rename fails after the temporary file was written.
        var target = _scratch.PathOf("taken");
        Directory.CreateDirectory(target);
        Assert.That(() => new GgufWriter().Set("k", 1u).Write(target), Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());
        Assert.That(Directory.GetFileSystemEntries(_scratch.FullPath), Is.EqualTo(new[] { target }));
    }

    [Test]
    public void Writer_refuses_inputs_that_would_make_an_invalid_file()
    {
        var writer = new GgufWriter();
        Assert.Multiple(() =>
        {
            Assert.That(() => writer.Set(GgufKeys.Alignment, 3u), Throws.ArgumentException, "alignment not a power of two");
            Assert.That(() => writer.Set(GgufKeys.Alignment, 0u), Throws.ArgumentException, "alignment zero");
            Assert.That(() => writer.Set(GgufKeys.Alignment, 32UL), Throws.ArgumentException, "alignment of the wrong type");
            Assert.That(() => writer.Set("k", new GgufValue(GgufValueType.UInt32, 1)), Throws.ArgumentException, "int boxed as uint32");
            Assert.That(() => writer.Set("k", new GgufArray(GgufValueType.String, new[] { 1 })), Throws.ArgumentException, "items of the wrong type");
            Assert.That(() => writer.Set("k", "lone \ud800 surrogate"), Throws.ArgumentException, "no UTF-8 form");
            Assert.That(() => writer.AddTensor("t", GgmlType.F32, [2], new byte[7]), Throws.ArgumentException, "data length");
            Assert.That(() => writer.AddTensor("t", GgmlType.Q4_0, [16], new byte[9]), Throws.ArgumentException, "partial block");
            Assert.That(() => writer.AddTensor("t", GgmlType.F32, [1, 1, 1, 1, 1], new byte[4]), Throws.ArgumentException, "five dimensions");
            Assert.That(() => writer.AddTensor("t", GgmlType.F32, [0], Array.Empty<byte>()), Throws.ArgumentException, "zero dimension");
            Assert.That(() => writer.AddTensor("t", (GgmlType)31, [1], new byte[4]), Throws.ArgumentException, "unknown type");
        });
        writer.AddTensor("t", GgmlType.F32, [1], new byte[4]);
        Assert.That(() => writer.AddTensor("t", GgmlType.F32, [1], new byte[4]), Throws.ArgumentException, "duplicate name");
    }

    private GgufFile WriteAndOpen(GgufWriter writer)
    {
        var path = _scratch.PathOf(Guid.NewGuid().ToString("N") + ".gguf");
        writer.Write(path);
        return GgufFile.Open(path);
    }

    internal static void AssertSameValue(GgufValue expected, GgufValue actual, string path)
    {
        Assert.That(actual.Type, Is.EqualTo(expected.Type), path);
        if (expected.Value is GgufArray expectedArray)
        {
            var actualArray = (GgufArray)actual.Value;
            Assert.That(actualArray.ElementType, Is.EqualTo(expectedArray.ElementType), path);
            Assert.That(actualArray.Items.GetType(), Is.EqualTo(expectedArray.Items.GetType()), path);
            Assert.That(actualArray.Count, Is.EqualTo(expectedArray.Count), path);
            for (int i = 0; i < expectedArray.Count; i++)
            {
                AssertSameValue(new GgufValue(expectedArray.ElementType, expectedArray.Items.GetValue(i)!),
                    new GgufValue(actualArray.ElementType, actualArray.Items.GetValue(i)!), $"{path}[{i}]");
            }
            return;
        }
        Assert.That(actual.Value.GetType(), Is.EqualTo(expected.Value.GetType()), path);
        // Floats compare by bits so NaN payloads and negative zero count.
        object Bits(object v) => v switch
        {
            float f => BitConverter.SingleToInt32Bits(f),
            double d => BitConverter.DoubleToInt64Bits(d),
            _ => v,
        };
        Assert.That(Bits(actual.Value), Is.EqualTo(Bits(expected.Value)), path);
    }
}
