using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Gguf;

/// <summary>Hostile variants of a real converted model: truncations and overwritten counts.</summary>
public class GgufRealFileHostileTests
{
    private ScratchFolder _scratch = null!;
    private byte[] _original = null!;
    private long _dataOffset;
    private long _dataEnd;

    [SetUp]
    public void LoadRealFile()
    {
        var path = SharedKit.Require("corpus/real/stories260K.gguf");
        _scratch = new ScratchFolder();
        _original = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        _dataOffset = file.DataOffset;
        _dataEnd = file.Tensors.Max(t => file.DataOffset + t.Offset + t.ByteSize);
    }

    [TearDown] public void DeleteScratch() => _scratch.Dispose();

    [Test]
    public void Truncated_file_at_every_header_offset_raises_typed_error()
    {
        Assert.That(_dataOffset, Is.GreaterThan(1000), "the header of the real file is not trivially small");
        // Cutting one file shorter and shorter is far cheaper than writing thousands of files.
        var path = _scratch.Write("cut.gguf", _original.AsSpan(0, (int)_dataOffset));
        var wrong = new List<string>();
        for (var cut = _dataOffset; cut >= 0; cut--)
        {
            CutTo(path, cut);
            var error = OpenExpectingError(path, $"cut at {cut}");
            // The failing read starts at or before the cut; only the final check of tensor data
            // ranges (reached when the whole header is present) names an offset at or past it.
            var pastCut = error.Field.EndsWith(" data", StringComparison.Ordinal);
            if (pastCut ? error.Offset < cut : error.Offset > cut)
                wrong.Add($"cut at {cut}: {error.Message}");
        }
        // One assertion for the whole sweep keeps thousands of opens fast.
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Truncated_file_inside_the_tensor_data_raises_typed_error_naming_a_tensor()
    {
        var path = _scratch.Write("cut.gguf", _original.AsSpan(0, (int)_dataEnd - 1));
        var step = Math.Max(1, (_dataEnd - _dataOffset) / 500);
        for (var cut = _dataEnd - 1; cut >= _dataOffset; cut -= step)
        {
            CutTo(path, cut);
            var error = OpenExpectingError(path, $"cut at {cut}");
            // The first tensor in file order that does not fit is the one the cut falls in (its data
            // is named), or, when the cut falls between tensors, the next one (its offset field).
            Assert.That(error.Field, Does.StartWith("tensor '").And.EndWith("' data").Or.EndWith("' offset"), error.Message);
            Assert.That(error.Offset, Is.LessThanOrEqualTo(cut), error.Message);
        }
    }

    [TestCase(8, 1UL << 63, "tensor_count")]
    [TestCase(8, ulong.MaxValue, "tensor_count")]
    [TestCase(16, 1UL << 63, "metadata_kv_count")]
    [TestCase(16, 0xFFFF_FFFF_FFFFUL, "metadata_kv_count")]
    public void Real_file_with_an_overflowing_header_count_raises_typed_error(int at, ulong count, string field)
    {
        var bytes = (byte[])_original.Clone();
        RawGguf.Patch(bytes, at, count, 8);
        var error = OpenExpectingError(bytes, field);
        Assert.That(error.Field, Is.EqualTo(field));
        Assert.That(error.Offset, Is.EqualTo(at));
    }

    [TestCase(1UL << 63)]
    [TestCase(ulong.MaxValue)]
    [TestCase(1UL << 31)]
    public void Real_file_with_an_overflowing_vocabulary_length_raises_typed_error(ulong length)
    {
        var bytes = (byte[])_original.Clone();
        // key string, then value type (u32), element type (u32), element count (u64).
        var countAt = RawGguf.FindString(bytes, GgufKeys.TokenizerTokens) + 8 + GgufKeys.TokenizerTokens.Length + 4 + 4;
        RawGguf.Patch(bytes, countAt, length, 8);
        var error = OpenExpectingError(bytes, "vocabulary length");
        Assert.That(error.Field, Is.EqualTo(GgufKeys.TokenizerTokens + " array length"));
        Assert.That(error.Offset, Is.EqualTo(countAt));
    }

    [Test]
    public void Real_file_with_an_overflowing_token_string_length_raises_typed_error()
    {
        var bytes = (byte[])_original.Clone();
        var firstTokenAt = RawGguf.FindString(bytes, GgufKeys.TokenizerTokens) + 8 + GgufKeys.TokenizerTokens.Length + 4 + 4 + 8;
        RawGguf.Patch(bytes, firstTokenAt, ulong.MaxValue, 8);
        var error = OpenExpectingError(bytes, "token length");
        Assert.That(error.Field, Is.EqualTo(GgufKeys.TokenizerTokens + "[0] length"));
        Assert.That(error.Offset, Is.EqualTo(firstTokenAt));
    }

    [Test]
    public void Real_file_with_a_tensor_offset_past_the_end_raises_typed_error()
    {
        var bytes = (byte[])_original.Clone();
        var info = RawGguf.FindTensorInfo(bytes, "token_embd.weight");
        RawGguf.Patch(bytes, info.Offset, (ulong)bytes.Length / 32 * 32, 8);
        var error = OpenExpectingError(bytes, "offset past end");
        Assert.That(error.Field, Is.EqualTo("tensor 'token_embd.weight' offset"));
        Assert.That(error.Offset, Is.EqualTo(info.Offset));
    }

    [Test]
    public void Real_file_with_overflowing_tensor_dims_raises_typed_error()
    {
        var bytes = (byte[])_original.Clone();
        var info = RawGguf.FindTensorInfo(bytes, "token_embd.weight");
        RawGguf.Patch(bytes, info.FirstDim, 1UL << 40, 8);
        RawGguf.Patch(bytes, info.FirstDim + 8, 1UL << 40, 8);
        var error = OpenExpectingError(bytes, "dims overflow");
        Assert.That(error.Field, Is.EqualTo("tensor 'token_embd.weight' dim[1]"));
        Assert.That(error.Offset, Is.EqualTo(info.FirstDim + 8));
    }

    [Test]
    public void Real_gguf_v1_file_is_refused_naming_the_version_field()
    {
        var path = SharedKit.Require("corpus/real/stories260K-gguf-v1.gguf");
        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        Assert.That(error!.Field, Is.EqualTo("version"));
        Assert.That(error.Offset, Is.EqualTo(4));
        Assert.That(error.Message, Does.Contain("v1"));
        Assert.That(error.File, Is.EqualTo("stories260K-gguf-v1.gguf"));
    }

    private static void CutTo(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
    }

    private GgufFormatException OpenExpectingError(ReadOnlySpan<byte> bytes, string what) =>
        OpenExpectingError(_scratch.Write("cut.gguf", bytes), what);

    private static GgufFormatException OpenExpectingError(string path, string what)
    {
        try
        {
            GgufFile.Open(path).Dispose();
        }
        catch (GgufFormatException error) when (error.File == "cut.gguf")
        {
            return error;
        }
        Assert.Fail($"{what}: the file opened although it is defective");
        throw new InvalidOperationException("unreachable");
    }
}
