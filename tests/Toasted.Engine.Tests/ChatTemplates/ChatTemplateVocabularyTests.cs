using NUnit.Framework;
using Toasted.Engine.ChatTemplates;
using Toasted.Engine.Gguf;
using Toasted.Engine.Inference;
using Toasted.Engine.Tests.Tokenization;

namespace Toasted.Engine.Tests.ChatTemplates;

/// <summary>A template as a model file carries it, with the special-token texts from the same file's vocabulary.</summary>
public class ChatTemplateVocabularyTests
{
    [Test]
    public void Gemma_vocabulary_gives_its_own_special_tokens_to_its_template()
    {
        const string vocab = "corpus/tokenizer/ggml-vocab-gemma-3.gguf";
        var tokenizer = KitTokenizers.Load(vocab);
        var context = ChatTemplateContext.ForTokenizer(tokenizer);
        Assert.That((context.BosToken, context.EosToken), Is.EqualTo(("<bos>", "<end_of_turn>")));

        var source = KitTokenizers.Metadata(vocab).GetStringOrNull(GgufKeys.ChatTemplate);
        Assert.That(source, Is.Not.Null);
        var format = ChatFormat.FromTemplate(source, context);
        Assert.That(format.Name, Is.EqualTo("template"));
        // Gemma 3's published prompt format: BOS, then turns; the template writes the BOS text itself.
        Assert.That(format.Render([new("user", "Write a haiku about llamas.")], true),
            Is.EqualTo("<bos><start_of_turn>user\nWrite a haiku about llamas.<end_of_turn>\n<start_of_turn>model\n"));
    }
}
