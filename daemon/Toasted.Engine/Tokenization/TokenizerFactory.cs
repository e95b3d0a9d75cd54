using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>Chooses the tokenizer family from <c>tokenizer.ggml.model</c>.</summary>
public static class TokenizerFactory
{
    /// <summary>Families with an implementation; BPE ("gpt2") and WPM ("bert") add a case each.</summary>
    public static IReadOnlyList<string> SupportedModels { get; } = ["llama"];

    public static ITokenizer FromGguf(GgufMetadata metadata)
    {
        var model = metadata.GetStringOrNull(GgufKeys.TokenizerModel)
            ?? throw new InvalidDataException($"GGUF metadata '{GgufKeys.TokenizerModel}' is missing");
        return model switch
        {
            "llama" => SpmTokenizer.FromGguf(metadata),
            _ => throw new NotSupportedException(
                $"tokenizer model '{model}' is not supported (supported: {string.Join(", ", SupportedModels)})"),
        };
    }
}
