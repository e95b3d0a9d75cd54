using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Engine.Tokenization;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>BPE merge order on a hand-built vocabulary, where the right answer follows from the
/// algorithm's definition alone.</summary>
public class BpeTokenizerTests
{
    private static readonly string[] Tokens = ["a", "b", "c", "x", "y", "\u0120", "ab", "bc", "abc", "aa", "xy", "\u0120b"];

    [Test]
    public void The_lowest_ranked_merge_is_applied_first()
    {
        // "b c" outranks "a b", so "abc" becomes a+bc, then the third merge joins them.
        var tokenizer = Build(["b c", "a b", "a bc"]);

        Assert.That(Texts(tokenizer, "abc"), Is.EqualTo(new[] { "abc" }));
    }

    [Test]
    public void Without_a_merge_for_the_result_the_pieces_stay_apart()
    {
        // "a b" outranks "b c": ab is formed first and no merge joins ab with c.
        var tokenizer = Build(["a b", "b c", "a bc"]);

        Assert.That(Texts(tokenizer, "abc"), Is.EqualTo(new[] { "ab", "c" }));
    }

    [Test]
    public void Equal_pairs_merge_leftmost_first()
    {
        var tokenizer = Build(["a a"]);

        Assert.That(Texts(tokenizer, "aaa"), Is.EqualTo(new[] { "aa", "a" }));
    }

    [Test]
    public void A_space_is_merged_as_its_byte_level_character()
    {
        var tokenizer = Build(["\u0120 b"]);

        Assert.That(Texts(tokenizer, "a b"), Is.EqualTo(new[] { "a", "\u0120b" }));
    }

    [Test]
    public void Ignore_merges_emits_a_pre_token_that_is_a_token_whole()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Texts(Build([], pre: "gpt-2"), "xy"), Is.EqualTo(new[] { "x", "y" }));
            Assert.That(Texts(Build([], pre: "llama-bpe"), "xy"), Is.EqualTo(new[] { "xy" }));
        });
    }

    private static string[] Texts(ITokenizer tokenizer, string text) =>
        tokenizer.Encode(text, addSpecial: false, parseSpecial: false).Select(tokenizer.TokenText).ToArray();

    private static ITokenizer Build(string[] merges, string pre = "gpt-2")
    {
        var values = new Dictionary<string, GgufValue>
        {
            [GgufKeys.TokenizerModel] = new(GgufValueType.String, "gpt2"),
            [GgufKeys.TokenizerPre] = new(GgufValueType.String, pre),
            [GgufKeys.TokenizerTokens] = new(GgufValueType.Array, new GgufArray(GgufValueType.String, Tokens)),
            [GgufKeys.TokenizerTokenType] = new(GgufValueType.Array, new GgufArray(GgufValueType.Int32, Enumerable.Repeat(1, Tokens.Length).ToArray())),
            [GgufKeys.TokenizerMerges] = new(GgufValueType.Array, new GgufArray(GgufValueType.String, merges)),
        };
        return TokenizerFactory.FromGguf(new GgufMetadata(values));
    }
}
