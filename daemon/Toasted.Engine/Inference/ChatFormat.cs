using System.Text;

namespace Toasted.Engine.Inference;

/// <summary>
/// Built-in prompt formats for the families we load, chosen by recognising the model's own
/// <c>tokenizer.chat_template</c> (the way llama.cpp recognises templates). Files without a
/// template get <see cref="Raw"/>: the message contents joined by blank lines, with no markup.
/// </summary>
public abstract class ChatFormat
{
    public abstract string Name { get; }

    public abstract string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);

    public static ChatFormat Raw { get; } = new RawFormat();

    /// <summary>Picks the format whose markers the template contains; Raw when none (or no template).</summary>
    public static ChatFormat Detect(string? template)
    {
        if (string.IsNullOrEmpty(template)) return Raw;
        if (template.Contains("<|im_start|>", StringComparison.Ordinal)) return new ChatMlFormat();
        if (template.Contains("<|start_header_id|>", StringComparison.Ordinal)) return new Llama3Format();
        if (template.Contains("<start_of_turn>", StringComparison.Ordinal)) return new GemmaFormat();
        if (template.Contains("<|assistant|>", StringComparison.Ordinal) && template.Contains("<|end|>", StringComparison.Ordinal)) return new Phi3Format();
        if (template.Contains("<|user|>", StringComparison.Ordinal)) return new ZephyrFormat();
        if (template.Contains("[INST]", StringComparison.Ordinal)) return new Llama2Format();
        return Raw;
    }

    private sealed class RawFormat : ChatFormat
    {
        public override string Name => "raw";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
            string.Join("\n\n", messages.Select(m => m.Content).Where(c => c.Length > 0));
    }

    /// <summary>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n — Qwen, many fine-tunes.</summary>
    private sealed class ChatMlFormat : ChatFormat
    {
        public override string Name => "chatml";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        {
            var sb = new StringBuilder();
            foreach (var m in messages) sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
            if (addGenerationPrompt) sb.Append("<|im_start|>assistant\n");
            return sb.ToString();
        }
    }

    /// <summary>Llama 3: header-delimited turns ending in &lt;|eot_id|&gt;.</summary>
    private sealed class Llama3Format : ChatFormat
    {
        public override string Name => "llama3";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        {
            var sb = new StringBuilder();
            foreach (var m in messages)
                sb.Append("<|start_header_id|>").Append(m.Role).Append("<|end_header_id|>\n\n").Append(m.Content.Trim()).Append("<|eot_id|>");
            if (addGenerationPrompt) sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            return sb.ToString();
        }
    }

    /// <summary>Gemma: no system role, so the system text leads the first user turn.</summary>
    private sealed class GemmaFormat : ChatFormat
    {
        public override string Name => "gemma";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        {
            var sb = new StringBuilder();
            var system = "";
            foreach (var m in messages)
            {
                if (m.Role == "system") { system = m.Content.Trim() + "\n"; continue; }
                var role = m.Role == "assistant" ? "model" : m.Role;
                sb.Append("<start_of_turn>").Append(role).Append('\n').Append(system).Append(m.Content.Trim()).Append("<end_of_turn>\n");
                system = "";
            }
            if (addGenerationPrompt) sb.Append("<start_of_turn>model\n");
            return sb.ToString();
        }
    }

    /// <summary>Phi-3: &lt;|role|&gt;\ncontent&lt;|end|&gt;\n.</summary>
    private sealed class Phi3Format : ChatFormat
    {
        public override string Name => "phi3";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        {
            var sb = new StringBuilder();
            foreach (var m in messages) sb.Append("<|").Append(m.Role).Append("|>\n").Append(m.Content).Append("<|end|>\n");
            if (addGenerationPrompt) sb.Append("<|assistant|>\n");
            return sb.ToString();
        }
    }

    /// <summary>Zephyr / TinyLlama-Chat: &lt;|role|&gt;\ncontent&lt;/s&gt;\n.</summary>
    private sealed class ZephyrFormat : ChatFormat
    {
        public override string Name => "zephyr";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        {
            var sb = new StringBuilder();
            foreach (var m in messages) sb.Append("<|").Append(m.Role).Append("|>\n").Append(m.Content).Append("</s>\n");
            if (addGenerationPrompt) sb.Append("<|assistant|>\n");
            return sb.ToString();
        }
    }

    /// <summary>Llama 2 / Mistral: [INST] … [/INST], the system text in &lt;&lt;SYS&gt;&gt; inside the first turn.</summary>
    private sealed class Llama2Format : ChatFormat
    {
        public override string Name => "llama2";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        {
            var sb = new StringBuilder();
            var system = "";
            foreach (var m in messages)
            {
                switch (m.Role)
                {
                    case "system":
                        system = "<<SYS>>\n" + m.Content + "\n<</SYS>>\n\n";
                        break;
                    case "user":
                        sb.Append("[INST] ").Append(system).Append(m.Content.Trim()).Append(" [/INST]");
                        system = "";
                        break;
                    default:
                        sb.Append(' ').Append(m.Content.Trim()).Append("</s>");
                        break;
                }
            }
            return sb.ToString();
        }
    }
}
