using Toasted.Engine.ChatTemplates;

namespace Toasted.Engine.Inference;

/// <summary>
/// How a conversation becomes prompt text for one model: its own <c>tokenizer.chat_template</c>
/// executed by our Jinja interpreter (<see cref="ChatTemplate"/>), or, for files without a template,
/// <see cref="Raw"/>: the message contents joined by blank lines, with no markup.
/// </summary>
public abstract class ChatFormat
{
    /// <summary>"template" when the file's chat template is used, "raw" when the file has none.</summary>
    public abstract string Name { get; }

    /// <summary>The prompt text; a failing template raises <see cref="ChatTemplateException"/>.</summary>
    public abstract string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);

    public static ChatFormat Raw { get; } = new RawFormat();

    /// <summary>
    /// The format for a model file's template. A template that does not parse still gives a format,
    /// one whose every render raises the parse error: raw prompts keep working, and chat requests fail
    /// loudly instead of being sent in some other format.
    /// </summary>
    public static ChatFormat FromTemplate(string? template, ChatTemplateContext context)
    {
        if (string.IsNullOrEmpty(template)) return Raw;
        try
        {
            return new TemplateFormat(ChatTemplate.Parse(template), context);
        }
        catch (ChatTemplateException e)
        {
            return new BrokenTemplateFormat(e);
        }
    }

    private sealed class RawFormat : ChatFormat
    {
        public override string Name => "raw";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
            string.Join("\n\n", messages.Select(m => m.Content).Where(c => c.Length > 0));
    }

    private sealed class TemplateFormat(ChatTemplate template, ChatTemplateContext context) : ChatFormat
    {
        public override string Name => "template";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
            template.Render(messages, addGenerationPrompt, context);
    }

    private sealed class BrokenTemplateFormat(ChatTemplateException error) : ChatFormat
    {
        public override string Name => "template";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
            throw new ChatTemplateException(error.Reason, error.Line, error.Column);
    }
}
