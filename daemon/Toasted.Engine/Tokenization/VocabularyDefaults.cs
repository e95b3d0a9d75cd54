namespace Toasted.Engine.Tokenization;

/// <summary>
/// What a tokenizer family assumes when the GGUF metadata is silent: special ids and the
/// add-BOS/EOS/space-prefix switches. The values per family are those of llama.cpp's vocab loader.
/// </summary>
public sealed record VocabularyDefaults(
    int BosId,
    int EosId,
    int UnknownId,
    int PaddingId,
    bool AddBos,
    bool AddEos,
    bool AddSpacePrefix)
{
    /// <summary>How NORMAL token texts spell their bytes; SentencePiece's escaped spaces unless a family says otherwise.</summary>
    public TokenTextEncoding TextEncoding { get; init; } = TokenTextEncoding.EscapedSpaces;

    /// <summary><c>tokenizer.ggml.model = "llama"</c>: BOS 1, EOS 2, UNK 0, BOS added, space prefix on.</summary>
    public static VocabularyDefaults SentencePiece { get; } = new(
        BosId: 1, EosId: 2, UnknownId: 0, PaddingId: Vocabulary.NoToken,
        AddBos: true, AddEos: false, AddSpacePrefix: true);
}
