using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>
/// Every case of llama.cpp's test-tokenizer-0 vectors for the SentencePiece vocabularies of the kit
/// (add_special=false, parse_special=false, as that test runs them).
/// </summary>
public class LlamaCppVocabVectorTests
{
    private static readonly string[] SpmVocabularies =
    [
        "corpus/tokenizer/ggml-vocab-llama-spm.gguf",
        "corpus/tokenizer/ggml-vocab-phi-3.gguf",
        "corpus/tokenizer/ggml-vocab-gemma-3.gguf",
    ];

    [TestCaseSource(nameof(SpmVocabularies))]
    public void Every_vector_encodes_to_the_ids_llama_cpp_produced(string vocabulary)
    {
        var tokenizer = KitTokenizers.Load(vocabulary);
        var vectors = LlamaCppVocabVector.Read(SharedKit.Require(vocabulary));
        Assert.That(vectors, Is.Not.Empty);

        Assert.Multiple(() =>
        {
            foreach (var vector in vectors)
            {
                var ids = tokenizer.Encode(vector.Input, addSpecial: false, parseSpecial: false);
                Assert.That(ids, Is.EqualTo(vector.ExpectedIds), $"case {vector.Index}: \"{vector.Input}\"");
            }
        });
    }

    /// <summary>SentencePiece with byte fallback loses nothing: the recorded ids decode back to the input
    /// (the space prefix added by encoding is the one decoding removes).</summary>
    [TestCase("corpus/tokenizer/ggml-vocab-llama-spm.gguf")]
    [TestCase("corpus/tokenizer/ggml-vocab-phi-3.gguf")]
    public void Recorded_ids_decode_back_to_the_input(string vocabulary)
    {
        var tokenizer = KitTokenizers.Load(vocabulary);
        var vectors = LlamaCppVocabVector.Read(SharedKit.Require(vocabulary));

        Assert.Multiple(() =>
        {
            foreach (var vector in vectors)
                Assert.That(tokenizer.Decode(vector.ExpectedIds), Is.EqualTo(vector.Input), $"case {vector.Index}");
        });
    }

    /// <summary>The vector inputs survive encode then decode with every SentencePiece vocabulary of the
    /// kit, including Baichuan, for which llama.cpp ships no vectors. Gemma 3 is left out on purpose:
    /// its whitespace-run tokens ("▁▁" …) are USER_DEFINED, which llama_token_to_piece renders verbatim,
    /// so runs of spaces come back as U+2581 there too.</summary>
    [TestCase("corpus/tokenizer/ggml-vocab-llama-spm.gguf")]
    [TestCase("corpus/tokenizer/ggml-vocab-phi-3.gguf")]
    [TestCase("corpus/tokenizer/ggml-vocab-baichuan.gguf")]
    public void Vector_inputs_survive_encode_then_decode(string vocabulary)
    {
        var tokenizer = KitTokenizers.Load(vocabulary);
        var vectors = LlamaCppVocabVector.Read(SharedKit.Require("corpus/tokenizer/ggml-vocab-llama-spm.gguf"));

        Assert.Multiple(() =>
        {
            foreach (var vector in vectors)
            {
                var ids = tokenizer.Encode(vector.Input, addSpecial: false, parseSpecial: false);
                Assert.That(tokenizer.Decode(ids), Is.EqualTo(vector.Input), $"case {vector.Index}");
            }
        });
    }
}
