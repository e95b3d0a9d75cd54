using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>Chooses the tokenizer family from <c>tokenizer.ggml.model</c>.</summary>
public static class TokenizerFactory
{
    /// <summary>Families with an implementation: SentencePiece ("llama"), byte-level BPE ("gpt2") and
    /// WordPiece ("bert").</summary>
    public static IReadOnlyList<string> SupportedModels { get; } = ["llama", "gpt2", "bert"];

    /// <summary>An unknown model, or an unknown BPE pre-tokenizer, is a <see cref="NotSupportedException"/> naming it.</summary>
    public static ITokenizer FromGguf(GgufMetadata metadata)
    {
        var model = metadata.GetStringOrNull(GgufKeys.TokenizerModel)
            ?? throw new InvalidDataException($"GGUF metadata '{GgufKeys.TokenizerModel}' is missing");
        return model switch
        {
            "llama" => SpmTokenizer.FromGguf(metadata),
            "gpt2" => BpeTokenizer.FromGguf(metadata),
            "bert" => WordPieceTokenizer.FromGguf(metadata),
            _ => throw new NotSupportedException(
                $"tokenizer model '{model}' is not supported (supported: {string.Join(", ", SupportedModels)})"),
        };
    }
}
