using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Quantization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Gguf;

public class GgufFileTests
{
    [Test]
    public void Stories260K_header_reads_with_llama_hyperparameters_and_tensors()
    {
        using var file = GgufFile.Open(SharedKit.Require("corpus/real/stories260K.gguf"));
        Assert.That(file.Version, Is.EqualTo(3));
        Assert.That(file.Metadata.GetString(GgufKeys.Architecture), Is.EqualTo("llama"));
        Assert.That(file.Metadata.GetArray(GgufKeys.TokenizerTokens).Count, Is.EqualTo(512));
        var embd = file.GetTensor("token_embd.weight");
        Assert.That(embd.Dimensions[1], Is.EqualTo(512));
        Assert.That(file.GetTensorBytes(embd).Length, Is.EqualTo(embd.ByteSize));
    }

    [Test]
    public void Gguf_v1_file_is_refused_with_a_typed_error_naming_the_version()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(SharedKit.Require("corpus/real/stories260K-gguf-v1.gguf")));
        Assert.That(ex!.Field, Is.EqualTo("version"));
        Assert.That(ex.Offset, Is.EqualTo(4));
    }
}
