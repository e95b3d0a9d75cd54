using System.Text;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Tests.Tokenization;

public class StreamingDetokenizerTests
{
    private const string Llama2Vocabulary = "corpus/tokenizer/ggml-vocab-llama-spm.gguf";

    // Pieces mixing ASCII, whitespace and characters of 2, 3 and 4 UTF-8 bytes; the emoji and the
    // CJK extension characters are not in the Llama-2 vocabulary and go through byte fallback.
    private static readonly string[] TextPieces =
    [
        "a", "Z", "the", " ", "  ", "\n", "\t", ".", "é", "ñ", "ß", "Ж", "中", "文", "語", "龘", "한",
        "ก", "€", "😀", "🦙", "👍🏽", "🇫🇷", "𠀀", "𝔘", "\u200d",
    ];

    [Test]
    public void Pushes_are_whole_characters_and_add_up_to_decode_for_random_multibyte_text()
    {
        var tokenizer = KitTokenizers.Load(Llama2Vocabulary);
        var texts = Gen.ArrayOf(Gen.Elements(TextPieces)).Select(string.Concat);
        var cases = Gen.Zip(texts, Gen.Elements(true, false)).ToArbitrary();

        Prop.ForAll(cases, testCase =>
        {
            var (text, addSpecial) = testCase;
            var ids = tokenizer.Encode(text, addSpecial, parseSpecial: false);
            var stream = new StreamingDetokenizer(tokenizer);
            var streamed = new StringBuilder();
            foreach (var id in ids)
            {
                var chunk = stream.Push(id);
                if (!IsWholeCharacters(chunk))
                    return false;
                streamed.Append(chunk);
            }
            streamed.Append(stream.Flush());

            // Decode keeps the encoder's space prefix when a BOS before it took the first-token rule.
            var decoded = tokenizer.Decode(ids);
            var original = addSpecial && text.Length > 0 ? " " + text : text;
            return streamed.ToString() == decoded && decoded == original;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void A_character_split_over_byte_tokens_comes_out_with_its_last_byte()
    {
        var tokenizer = KitTokenizers.Load(Llama2Vocabulary);
        var ids = tokenizer.Encode("🦙", addSpecial: false, parseSpecial: false);
        var byteTokens = ids.Count(id => tokenizer.TokenText(id).StartsWith("<0x", StringComparison.Ordinal));
        Assert.That(byteTokens, Is.EqualTo(Encoding.UTF8.GetByteCount("🦙")), "precondition: the emoji is byte fallback");

        var stream = new StreamingDetokenizer(tokenizer);
        var chunks = ids.Select(stream.Push).ToArray();

        Assert.That(chunks[..^1], Is.All.Empty);
        Assert.That(chunks[^1], Is.EqualTo("🦙"));
        Assert.That(stream.Flush(), Is.Empty);
    }

    /// <summary>Byte-level BPE pieces often end inside a character (an emoji is several tokens of one or
    /// two bytes each in Llama 3). Qwen 2's vocabulary does not clean up spaces, so the pushes must add up
    /// to Decode exactly, and Decode must give the input back.</summary>
    [Test]
    public void Byte_level_bpe_pushes_are_whole_characters_and_add_up_to_decode()
    {
        foreach (var vocabulary in (string[])["corpus/tokenizer/ggml-vocab-qwen2.gguf", "corpus/tokenizer/ggml-vocab-llama-bpe.gguf"])
        {
            var tokenizer = KitTokenizers.Load(vocabulary);
            var cleansSpaces = tokenizer is BpeTokenizer { Rules.CleanSpaces: true };
            var texts = Gen.ArrayOf(Gen.Elements(TextPieces)).Select(string.Concat).ToArbitrary();

            Prop.ForAll(texts, text =>
            {
                var ids = tokenizer.Encode(text, addSpecial: false, parseSpecial: false);
                var stream = new StreamingDetokenizer(tokenizer);
                var streamed = new StringBuilder();
                foreach (var id in ids)
                {
                    var chunk = stream.Push(id);
                    if (!IsWholeCharacters(chunk))
                        return false;
                    streamed.Append(chunk);
                }
                streamed.Append(stream.Flush());
                // Streaming gives the raw pieces, as llama.cpp's per-token pieces do; only a vocabulary
                // without the clean-up of spaces before punctuation decodes to exactly those.
                return streamed.ToString() == text && (cleansSpaces || tokenizer.Decode(ids) == text);
            }).QuickCheckThrowOnFailure();
        }
    }

    [Test]
    public void Flush_turns_an_unfinished_character_into_the_replacement_that_decode_gives()
    {
        var tokenizer = KitTokenizers.Load(Llama2Vocabulary);
        var ids = tokenizer.Encode("x🦙", addSpecial: false, parseSpecial: false);
        var partial = ids[..^1];

        var stream = new StreamingDetokenizer(tokenizer);
        var text = string.Concat(partial.Select(stream.Push)) + stream.Flush();

        Assert.That(text, Is.EqualTo(tokenizer.Decode(partial)));
        Assert.That(text, Does.EndWith("\uFFFD"));
    }

    private static bool IsWholeCharacters(string chunk)
    {
        var span = chunk.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || rune.Value == 0xFFFD)
                return false;
            span = span[consumed..];
        }
        return true;
    }
}
