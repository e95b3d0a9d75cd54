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

    [Test]
    public void Tensor_views_refuse_a_tensor_of_another_file_and_a_disposed_file()
    {
        var path = SharedKit.Require("corpus/real/stories260K.gguf");
        using var first = GgufFile.Open(path);
        var second = GgufFile.Open(path);
        var foreign = first.GetTensor("token_embd.weight") with { Offset = first.Length };
        Assert.That(() => second.GetTensorBytes(foreign), Throws.ArgumentException);
        var own = second.GetTensor("token_embd.weight");
        Assert.That(second.GetTensorBytes(own).SequenceEqual(first.GetTensorBytes(first.GetTensor("token_embd.weight"))), Is.True);
        second.Dispose();
        Assert.That(() => second.GetTensorBytes(own), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Missing_tensor_lookup_names_the_tensor()
    {
        using var file = GgufFile.Open(SharedKit.Require("corpus/real/stories260K.gguf"));
        Assert.That(file.TryGetTensor("no.such.tensor", out _), Is.False);
        Assert.That(() => file.GetTensor("no.such.tensor"), Throws.InstanceOf<KeyNotFoundException>().With.Message.Contains("no.such.tensor"));
    }
}
