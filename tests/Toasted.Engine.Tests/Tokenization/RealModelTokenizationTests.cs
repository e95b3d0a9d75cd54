using System.Text.Json;
using NUnit.Framework;
using Toasted.Engine.Tokenization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>Prompts and greedy generations recorded with llama.cpp for the kit's real models.</summary>
public class RealModelTokenizationTests
{
    public static IEnumerable<TestCaseData> Prompts()
    {
        foreach (var model in (string[])["stories260K", "llama-2-tiny-random"])
        {
            var json = Path.Combine(SharedKit.Root, "corpus", "real", model + ".json");
            if (!File.Exists(json))
            {
                yield return new TestCaseData(model, -1).SetName($"{model} recording (absent)");
                continue;
            }
            using var document = JsonDocument.Parse(File.ReadAllBytes(json));
            var count = document.RootElement.GetProperty("prompts").GetArrayLength();
            for (var i = 0; i < count; i++)
                yield return new TestCaseData(model, i);
        }
    }

    [TestCaseSource(nameof(Prompts))]
    public void Prompt_encodes_with_bos_to_the_recorded_ids(string model, int index)
    {
        var (tokenizer, prompt) = Load(model, index);
        var flags = prompt.GetProperty("tokenize_flags");

        var ids = tokenizer.Encode(prompt.GetProperty("prompt").GetString()!,
            flags.GetProperty("add_special").GetBoolean(), flags.GetProperty("parse_special").GetBoolean());

        Assert.That(ids, Is.EqualTo(Ints(prompt.GetProperty("token_ids"))));
    }

    [TestCaseSource(nameof(Prompts))]
    public void Prompt_token_pieces_equal_the_recorded_bytes(string model, int index)
    {
        var (tokenizer, prompt) = Load(model, index);
        var ids = Ints(prompt.GetProperty("token_ids"));
        var expected = prompt.GetProperty("token_pieces_hex").EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()).ToArray();

        var actual = ids.Select(id => Convert.ToHexStringLower(tokenizer.TokenToPiece(id, special: true))).ToArray();

        Assert.That(actual, Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Prompts))]
    public void Greedy_tokens_decode_to_the_recorded_text(string model, int index)
    {
        var (tokenizer, prompt) = Load(model, index);
        var greedy = prompt.GetProperty("greedy");
        var generated = Ints(greedy.GetProperty("token_ids"));

        Assert.That(tokenizer.Decode(generated), Is.EqualTo(greedy.GetProperty("text").GetString()));
    }

    [TestCaseSource(nameof(Prompts))]
    public void Prompt_and_greedy_tokens_decode_to_the_recorded_full_text(string model, int index)
    {
        var (tokenizer, prompt) = Load(model, index);
        var greedy = prompt.GetProperty("greedy");
        var all = Ints(prompt.GetProperty("token_ids")).Concat(Ints(greedy.GetProperty("token_ids"))).ToArray();

        Assert.That(tokenizer.Decode(all), Is.EqualTo(greedy.GetProperty("full_text").GetString()));
    }

    [TestCaseSource(nameof(Prompts))]
    public void Streaming_the_greedy_tokens_gives_the_recorded_text(string model, int index)
    {
        var (tokenizer, prompt) = Load(model, index);
        var greedy = prompt.GetProperty("greedy");
        var stream = new StreamingDetokenizer(tokenizer);

        var text = string.Concat(Ints(greedy.GetProperty("token_ids")).Select(stream.Push)) + stream.Flush();

        Assert.That(text, Is.EqualTo(greedy.GetProperty("text").GetString()));
    }

    private static (ITokenizer Tokenizer, JsonElement Prompt) Load(string model, int index)
    {
        var json = SharedKit.Require($"corpus/real/{model}.json");
        var tokenizer = KitTokenizers.Load($"corpus/real/{model}.gguf");
        var document = JsonDocument.Parse(File.ReadAllBytes(json));
        return (tokenizer, document.RootElement.GetProperty("prompts")[index].Clone());
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
