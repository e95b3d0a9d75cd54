namespace Toasted.Engine.Tokenization;

/// <summary>
/// Token texts that llama.cpp's vocab loader recognises by name, because many converted models do not
/// declare their end-of-turn or fill-in-the-middle ids in metadata. The lists follow llama.cpp's loader
/// (llama-vocab.cpp) so that the end-of-generation set and the CONTROL attribute match it.
/// </summary>
public static class SpecialTokenTexts
{
    /// <summary>Candidates for the end-of-turn id when <c>tokenizer.ggml.eot_token_id</c> is absent.</summary>
    public static readonly string[] EndOfTurn =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ];

    /// <summary>Candidates for the end-of-message id when <c>tokenizer.ggml.eom_token_id</c> is absent.</summary>
    public static readonly string[] EndOfMessage = ["<|eom_id|>"];

    public static readonly string[] FimPrefix =
        ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];

    public static readonly string[] FimSuffix =
        ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];

    public static readonly string[] FimMiddle =
        ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];

    public static readonly string[] FimPad = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];

    public static readonly string[] FimRepository = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];

    public static readonly string[] FimFileSeparator = ["<|file_sep|>"];

    /// <summary>Every token with one of these texts ends a generation (and is made CONTROL).</summary>
    public static readonly string[] EndOfGeneration =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ];

    /// <summary>Harmony-style structural tokens that llama.cpp always renders (forced to USER_DEFINED).</summary>
    public static readonly string[] AlwaysRendered = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"];
}
