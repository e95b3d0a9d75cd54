using System.Text.Json;
using NUnit.Framework;
using Toasted.Engine.ChatTemplates;
using Toasted.Engine.Inference;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.ChatTemplates;

/// <summary>
/// Every real template of the kit (corpus/chat/templates) rendered for the kit's four conversations
/// must be byte-identical to llama.cpp's own rendering (corpus/chat/&lt;name&gt;.json), with the clock
/// pinned to the corpus date.
/// </summary>
public class ChatTemplateCorpusTests
{
    private static readonly DateTimeOffset CorpusDate = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Templates whose llama.cpp rendering we knowingly do not reproduce, with the reason.</summary>
    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal)
    {
    };

    public static IEnumerable<TestCaseData> Templates()
    {
        var folder = Path.Combine(SharedKit.Root, "corpus", "chat");
        if (!Directory.Exists(folder))
        {
            yield return new TestCaseData("(kit missing)").SetName("Chat_template_corpus_is_available");
            yield break;
        }
        foreach (var json in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(json);
            yield return new TestCaseData(name).SetName($"Renders_{name.Replace('-', '_').Replace('.', '_')}_like_llama_cpp");
        }
    }

    [TestCaseSource(nameof(Templates))]
    public void Renders_like_llama_cpp(string name)
    {
        var jsonPath = SharedKit.Require($"corpus/chat/{name}.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        var root = doc.RootElement;
        var templateText = File.ReadAllText(Path.Combine(SharedKit.Root, "corpus/chat", root.GetProperty("template_file").GetString()!));
        var context = new ChatTemplateContext(root.GetProperty("bos_token").GetString()!, root.GetProperty("eos_token").GetString()!, () => CorpusDate);

        var failures = new List<string>();
        ChatTemplate? template = null;
        try
        {
            template = ChatTemplate.Parse(templateText);
        }
        catch (ChatTemplateException e)
        {
            failures.Add("parse: " + e.Message);
        }
        foreach (var conversation in root.GetProperty("conversations").EnumerateArray())
        {
            if (template is null) break;
            var id = conversation.GetProperty("id").GetString()!;
            var messages = conversation.GetProperty("messages").EnumerateArray()
                .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
            var addGenerationPrompt = conversation.GetProperty("add_generation_prompt").GetBoolean();
            string actual;
            try
            {
                actual = template.Render(messages, addGenerationPrompt, context);
            }
            catch (ChatTemplateException e)
            {
                failures.Add($"{id}: {e.Message}");
                continue;
            }
            if (conversation.TryGetProperty("error", out var expectedError))
            {
                failures.Add($"{id}: llama.cpp failed ({expectedError}), we rendered");
                continue;
            }
            var expected = conversation.GetProperty("rendered").GetString()!;
            if (actual != expected) failures.Add($"{id}: {FirstDifference(expected, actual)}");
        }

        if (KnownDifferences.TryGetValue(name, out var reason))
        {
            if (failures.Count == 0) Assert.Fail($"{name} now renders like llama.cpp; remove it from the known differences");
            Assert.Ignore($"known difference: {reason}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private static string FirstDifference(string expected, string actual)
    {
        var i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i]) i++;
        static string Around(string s, int at) => JsonSerializer.Serialize(s.Substring(Math.Max(0, at - 40), Math.Min(s.Length, at + 60) - Math.Max(0, at - 40)));
        return $"differs at {i} (expected length {expected.Length}, actual {actual.Length}): expected …{Around(expected, i)}… actual …{Around(actual, i)}…";
    }
}
