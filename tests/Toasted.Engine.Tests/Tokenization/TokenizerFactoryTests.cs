using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Tests.Tokenization;

public class TokenizerFactoryTests
{
    [TestCase("corpus/tokenizer/ggml-vocab-llama-spm.gguf", typeof(SpmTokenizer))]
    [TestCase("corpus/tokenizer/ggml-vocab-gpt-2.gguf", typeof(BpeTokenizer))]
    [TestCase("corpus/tokenizer/ggml-vocab-bert-bge.gguf", typeof(WordPieceTokenizer))]
    public void Each_tokenizer_model_gets_its_family(string vocabulary, Type family)
    {
        Assert.That(KitTokenizers.Load(vocabulary), Is.InstanceOf(family));
    }

    [Test]
    public void An_unknown_tokenizer_model_is_refused_naming_the_model()
    {
        var metadata = WithString(KitTokenizers.Metadata("corpus/tokenizer/ggml-vocab-gpt-2.gguf"), GgufKeys.TokenizerModel, "t5");

        var error = Assert.Throws<NotSupportedException>(() => TokenizerFactory.FromGguf(metadata));

        Assert.That(error!.Message, Does.Contain("'t5'"));
    }

    [Test]
    public void An_unknown_bpe_pre_tokenizer_is_refused_naming_it()
    {
        var metadata = WithString(KitTokenizers.Metadata("corpus/tokenizer/ggml-vocab-gpt-2.gguf"), GgufKeys.TokenizerPre, "no-such-pre");

        var error = Assert.Throws<NotSupportedException>(() => TokenizerFactory.FromGguf(metadata));

        Assert.That(error!.Message, Does.Contain("'no-such-pre'"));
    }

    [Test]
    public void A_bpe_vocabulary_without_a_pre_tokenizer_name_uses_llama_cpp_default_rules()
    {
        var tokenizer = (BpeTokenizer)KitTokenizers.Load("corpus/tokenizer/ggml-vocab-gpt-neox.gguf");

        Assert.That(tokenizer.Rules.Name, Is.EqualTo("default"));
    }

    private static GgufMetadata WithString(GgufMetadata metadata, string key, string value)
    {
        var values = new Dictionary<string, GgufValue>(metadata.Values) { [key] = new GgufValue(GgufValueType.String, value) };
        return new GgufMetadata(values);
    }
}
