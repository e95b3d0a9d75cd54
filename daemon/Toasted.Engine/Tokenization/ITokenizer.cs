namespace Toasted.Engine.Tokenization;

/// <summary>
/// Text ⇄ token ids for one model's vocabulary, with llama.cpp's semantics: <c>addSpecial</c> adds
/// BOS/EOS as the model's metadata asks, <c>parseSpecial</c> lets control-token text in the input
/// (e.g. "&lt;s&gt;") become the control token instead of plain text.
/// </summary>
public interface ITokenizer
{
    int VocabSize { get; }
    int BosId { get; }
    int EosId { get; }
    bool AddBos { get; }
    bool AddEos { get; }

    /// <summary>True when encoding puts a space (U+2581) before the text and decoding drops the first
    /// token's leading space again (SentencePiece vocabularies unless the metadata turns it off).</summary>
    bool AddSpacePrefix { get; }

    int[] Encode(string text, bool addSpecial, bool parseSpecial);

    /// <summary>The bytes a token stands for (byte-fallback tokens give their raw byte; with
    /// <paramref name="special"/> false, control tokens give nothing).</summary>
    byte[] TokenToPiece(int id, bool special);

    /// <summary>Concatenated pieces as text, as llama_detokenize does.</summary>
    string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool unparseSpecial = false);

    /// <summary>The vocabulary string of a token, unmodified.</summary>
    string TokenText(int id);

    /// <summary>True for tokens that end a generation (EOS, EOT, EOM…).</summary>
    bool IsEndOfGeneration(int id);
}
