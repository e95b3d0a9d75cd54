using Toasted.Engine.Inference;

namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// A model's own Jinja chat template (<c>tokenizer.chat_template</c>), parsed once and rendered per
/// conversation with the inputs llama.cpp gives it, so that prompts are the ones llama.cpp builds:
/// <c>messages</c>, <c>bos_token</c>, <c>eos_token</c>, <c>enable_thinking</c>, <c>add_generation_prompt</c>
/// (only when true, as llama.cpp sets it), <c>date_string</c> ("01 Jun 2024") and <c>datetime</c> ("Jun 01 2024").
/// Like llama.cpp, a template that ignores the system message gets it merged into the first user turn,
/// and a "developer" message is a system message (except for Harmony templates, which know the role).
/// </summary>
public sealed class ChatTemplate
{
    private readonly TemplateSource _source;
    private readonly IReadOnlyList<TemplateNode> _nodes;
    private readonly Lazy<bool> _supportsSystemRole;
    private readonly Lazy<bool> _requiresTypedContent;

    private ChatTemplate(TemplateSource source, IReadOnlyList<TemplateNode> nodes)
    {
        _source = source;
        _nodes = nodes;
        _supportsSystemRole = new Lazy<bool>(ProbeSystemRole, LazyThreadSafetyMode.ExecutionAndPublication);
        _requiresTypedContent = new Lazy<bool>(ProbeTypedContent, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Parses <paramref name="template"/>; a syntax error is a <see cref="ChatTemplateException"/>.</summary>
    public static ChatTemplate Parse(string template)
    {
        var (source, tokens) = TemplateLexer.Tokenize(template);
        return new ChatTemplate(source, TemplateParser.Parse(source, tokens));
    }

    /// <summary>
    /// Renders a conversation. Errors of the template (including its own <c>raise_exception</c>) are a
    /// <see cref="ChatTemplateException"/> with the line and column of the failing construct.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateContext context)
    {
        var isHarmony = _source.Text.Contains(HarmonyChannel, StringComparison.Ordinal);
        // OpenAI's "developer" role is a system message to every template but Harmony's, which knows it.
        if (!isHarmony && messages.Any(m => m.Role == "developer"))
            messages = messages.Select(m => m.Role == "developer" ? m with { Role = "system" } : m).ToList();
        if (!SupportsSystemRole) messages = MergeSystemIntoFirstTurn(messages);
        var prompt = RenderWith(messages, addGenerationPrompt, context);
        if (!addGenerationPrompt && isHarmony)
            prompt = EndInsteadOfReturn(prompt);
        return prompt;
    }

    /// <summary>Marker of the Harmony format (gpt-oss), as llama.cpp recognises it.</summary>
    private const string HarmonyChannel = "<|channel|>";

    /// <summary>
    /// Harmony templates close a final assistant turn with &lt;|return|&gt;, which is meant for stored
    /// conversations; a prompt the model continues needs &lt;|end|&gt; there, and llama.cpp swaps the last one.
    /// </summary>
    private static string EndInsteadOfReturn(string prompt)
    {
        const string returnToken = "<|return|>";
        var at = prompt.LastIndexOf(returnToken, StringComparison.Ordinal);
        return at < 0 ? prompt : string.Concat(prompt.AsSpan(0, at), "<|end|>", prompt.AsSpan(at + returnToken.Length));
    }

    /// <summary>
    /// Whether the template prints a system message at all. Some (Gemma 2) reject or drop it; llama.cpp
    /// finds out by rendering a probe conversation, and so do we.
    /// </summary>
    public bool SupportsSystemRole => _supportsSystemRole.Value;

    private bool ProbeSystemRole()
    {
        const string marker = "System message";
        try
        {
            var probe = RenderWith([new ChatMessage("system", marker), new ChatMessage("user", "User message")], true, new ChatTemplateContext("", ""));
            return probe.Contains(marker, StringComparison.Ordinal);
        }
        catch (ChatTemplateException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the template only accepts content as a list of parts (<c>[{"type": "text", "text": …}]</c>):
    /// it fails on plain string content but renders typed content. llama.cpp then converts every
    /// message's content to that form, and so do we.
    /// </summary>
    public bool RequiresTypedContent => _requiresTypedContent.Value;

    private bool ProbeTypedContent()
    {
        var probe = new List<ChatMessage> { new("user", "content") };
        var context = new ChatTemplateContext("", "");
        try
        {
            RenderWith(probe, true, context, typedContent: false);
            return false;
        }
        catch (ChatTemplateException)
        {
        }
        try
        {
            RenderWith(probe, true, context, typedContent: true);
            return true;
        }
        catch (ChatTemplateException)
        {
            return false;
        }
    }

    /// <summary>The leading system message's text goes before the next message's, separated by a newline.</summary>
    private static IReadOnlyList<ChatMessage> MergeSystemIntoFirstTurn(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count < 2 || messages[0].Role != "system") return messages;
        var merged = new List<ChatMessage> { messages[1] with { Content = messages[0].Content + "\n" + messages[1].Content } };
        merged.AddRange(messages.Skip(2));
        return merged;
    }

    private string RenderWith(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateContext context) =>
        RenderWith(messages, addGenerationPrompt, context, RequiresTypedContent);

    private string RenderWith(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateContext context, bool typedContent)
    {
        var clock = context.Clock ?? (() => DateTimeOffset.UtcNow);
        var scope = new TemplateScope(null);
        TemplateGlobals.AddTo(scope, clock);
        scope.Set("messages", messages.Select(m => (object)ToValue(m, typedContent)).ToList());
        scope.Set("bos_token", context.BosToken);
        scope.Set("eos_token", context.EosToken);
        scope.Set("enable_thinking", context.EnableThinking);
        var now = clock();
        scope.Set("datetime", TemplateGlobals.StrFTime(now, "%b %d %Y"));
        scope.Set("date_string", TemplateGlobals.StrFTime(now, "%d %b %Y"));
        if (addGenerationPrompt) scope.Set("add_generation_prompt", true);
        // Top-level sets live in their own scope so they can shadow the inputs.
        return new TemplateEvaluator(_source).Render(_nodes, new TemplateScope(scope));
    }

    private static OrderedDictionary<object, object> ToValue(ChatMessage message, bool typedContent) => new(TemplateKeyComparer.Instance)
    {
        ["role"] = message.Role,
        ["content"] = typedContent ? TextPart(message.Content) : message.Content,
    };

    private static List<object> TextPart(string text) =>
    [
        new OrderedDictionary<object, object>(TemplateKeyComparer.Instance) { ["type"] = "text", ["text"] = text },
    ];
}
