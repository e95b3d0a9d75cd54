using NUnit.Framework;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Tests.Tokenization;

public class TokenizerFactoryTests
{
    [Test]
    public void A_llama_model_vocabulary_gets_the_sentencepiece_tokenizer()
    {
        Assert.That(KitTokenizers.Load("corpus/tokenizer/ggml-vocab-llama-spm.gguf"), Is.InstanceOf<SpmTokenizer>());
    }

    [TestCase("corpus/tokenizer/ggml-vocab-gpt-2.gguf", "gpt2")]
    [TestCase("corpus/tokenizer/ggml-vocab-bert-bge.gguf", "bert")]
    public void Other_tokenizer_models_are_refused_naming_the_model(string vocabulary, string model)
    {
        var metadata = KitTokenizers.Metadata(vocabulary);

        var error = Assert.Throws<NotSupportedException>(() => TokenizerFactory.FromGguf(metadata));

        Assert.That(error!.Message, Does.Contain($"'{model}'"));
    }
}
