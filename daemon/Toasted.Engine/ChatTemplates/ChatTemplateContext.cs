using Toasted.Engine.Tokenization;

namespace Toasted.Engine.ChatTemplates;

/// <summary>What a render needs besides the messages: the special-token texts and the clock.</summary>
/// <param name="BosToken">Text of the vocabulary's BOS token (<c>bos_token</c> in the template).</param>
/// <param name="EosToken">Text of the vocabulary's EOS token (<c>eos_token</c>).</param>
/// <param name="Clock">Current time for <c>strftime_now</c>, <c>date_string</c> and <c>datetime</c>; tests pin it.</param>
public sealed record ChatTemplateContext(string BosToken, string EosToken, Func<DateTimeOffset>? Clock = null)
{
    /// <summary>Passed as <c>enable_thinking</c>; templates of reasoning models open a thinking section when true.</summary>
    public bool EnableThinking { get; init; } = true;

    /// <summary>
    /// BOS/EOS texts from a vocabulary, as llama.cpp takes them (the token's text; nothing when the
    /// vocabulary has no such token).
    /// </summary>
    public static ChatTemplateContext ForTokenizer(ITokenizer tokenizer, Func<DateTimeOffset>? clock = null) =>
        new(SpecialTokenText(tokenizer, tokenizer.BosId), SpecialTokenText(tokenizer, tokenizer.EosId), clock);

    private static string SpecialTokenText(ITokenizer tokenizer, int id) =>
        id >= 0 && id < tokenizer.VocabSize ? tokenizer.TokenText(id) : "";
}
