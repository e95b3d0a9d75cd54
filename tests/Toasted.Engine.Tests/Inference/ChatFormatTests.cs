using System.Text.Json;
using NUnit.Framework;
using Toasted.Engine.Inference;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Inference;

/// <summary>
/// The built-in family formats against llama.cpp's own rendering of real templates
/// (corpus/chat). Only the conversations a family format can reproduce exactly are listed; the
/// rest (dates in Llama 3.1's system header, default system prompts, Mistral's spacing) need the
/// template interpreter, and are listed with that reason.
/// </summary>
public class ChatFormatTests
{
    // (golden file, conversation id, expected format)
    private static readonly (string File, string Conversation, string Format)[] ExactCases =
    [
        ("Qwen-Qwen2.5-7B-Instruct", "a", "chatml"),
        ("Qwen-Qwen2.5-7B-Instruct", "c", "chatml"),
        ("microsoft-Phi-3.5-mini-instruct", "a", "phi3"),
        ("microsoft-Phi-3.5-mini-instruct", "b", "phi3"),
        ("microsoft-Phi-3.5-mini-instruct", "c", "phi3"),
        ("google-gemma-2-2b-it", "a", "gemma"),
        ("google-gemma-2-2b-it", "b", "gemma"),
        ("google-gemma-2-2b-it", "c", "gemma"),
        ("google-gemma-2-2b-it", "d", "gemma"),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        ExactCases.Select(c => new TestCaseData(c.File, c.Conversation, c.Format)
            .SetName($"Built_in_{c.Format}_format_renders_{c.File.Replace('-', '_').Replace('.', '_')}_conversation_{c.Conversation}_like_llama_cpp"));

    [TestCaseSource(nameof(Cases))]
    public void Renders_like_llama_cpp(string file, string conversationId, string formatName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedKit.Require($"corpus/chat/{file}.json")));
        var root = doc.RootElement;
        var template = File.ReadAllText(Path.Combine(SharedKit.Root, "corpus/chat", root.GetProperty("template_file").GetString()!));
        var conversation = root.GetProperty("conversations").EnumerateArray().Single(c => c.GetProperty("id").GetString()!.StartsWith(conversationId + "_", StringComparison.Ordinal));
        var messages = conversation.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
        var format = ChatFormat.Detect(template);
        Assert.That(format.Name, Is.EqualTo(formatName));

        // The BOS text belongs to the tokenizer (it adds the BOS token), not to the prompt text.
        var expected = conversation.GetProperty("rendered").GetString()!;
        var bos = root.GetProperty("bos_token").GetString()!;
        if (expected.StartsWith(bos, StringComparison.Ordinal)) expected = expected[bos.Length..];
        Assert.That(format.Render(messages, conversation.GetProperty("add_generation_prompt").GetBoolean()), Is.EqualTo(expected));
    }

    [Test]
    public void A_model_without_a_template_gets_the_raw_contents_joined_by_blank_lines()
    {
        var text = ChatFormat.Detect(null).Render([new("system", "Be brief."), new("user", "Explain.")], true);
        Assert.That(text, Is.EqualTo("Be brief.\n\nExplain."));
    }
}
