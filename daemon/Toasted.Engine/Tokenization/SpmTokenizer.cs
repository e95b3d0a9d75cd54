using System.Buffers;
using System.Text;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// SentencePiece-style tokenizer (<c>tokenizer.ggml.model = "llama"</c>) with the semantics of
/// llama.cpp's llama_tokenize / llama_token_to_piece / llama_detokenize for SPM vocabularies.
/// </summary>
public sealed class SpmTokenizer : ITokenizer
{
    private readonly Vocabulary _vocabulary;
    private readonly SpmBigramMerger _merger;

    public SpmTokenizer(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _merger = new SpmBigramMerger(vocabulary);
    }

    public static SpmTokenizer FromGguf(GgufMetadata metadata) =>
        new(Vocabulary.FromGguf(metadata, VocabularyDefaults.SentencePiece));

    public Vocabulary Vocabulary => _vocabulary;
    public int VocabSize => _vocabulary.Count;
    public int BosId => _vocabulary.BosId;
    public int EosId => _vocabulary.EosId;
    public bool AddBos => _vocabulary.AddBos;
    public bool AddEos => _vocabulary.AddEos;
    public bool AddSpacePrefix => _vocabulary.AddSpacePrefix;

    /// <summary>
    /// The space prefix goes before the first raw fragment and before every raw fragment that follows
    /// a special token (llama.cpp's <c>is_prev_special</c>), whether or not BOS was added.
    /// </summary>
    public int[] Encode(string text, bool addSpecial, bool parseSpecial)
    {
        text = LoneSurrogates.Replace(text);
        var output = new List<int>(text.Length / 3 + 2);
        if (addSpecial && AddBos)
            output.Add(RequireId(BosId, "BOS"));

        var previousWasSpecial = true;
        foreach (var fragment in SpecialTokenPartitioner.Partition(_vocabulary, text, parseSpecial))
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                previousWasSpecial = true;
            }
            else
            {
                _merger.Tokenize(text.AsSpan(fragment.Start, fragment.Length), AddSpacePrefix && previousWasSpecial, output);
                previousWasSpecial = false;
            }
        }

        if (addSpecial && AddEos)
            output.Add(RequireId(EosId, "EOS"));
        return output.ToArray();
    }

    public byte[] TokenToPiece(int id, bool special) => _vocabulary.Piece(id, special).ToArray();

    /// <summary>
    /// With <see cref="AddSpacePrefix"/>, one leading space is dropped from the first token's piece,
    /// unless removeSpecial takes off a leading BOS, in which case nothing is dropped. The first token
    /// consumes the rule even when its piece is empty (a control token rendered without unparseSpecial).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool unparseSpecial = false)
    {
        var removeSpace = AddSpacePrefix;
        if (removeSpecial && AddBos && ids.Length > 0 && ids[0] == BosId)
        {
            removeSpace = false;
            ids = ids[1..];
        }
        if (removeSpecial && AddEos && ids.Length > 0 && ids[^1] == EosId)
            ids = ids[..^1];

        var bytes = new ArrayBufferWriter<byte>(ids.Length * 4 + 16);
        foreach (var id in ids)
        {
            var piece = _vocabulary.Piece(id, unparseSpecial);
            if (removeSpace && piece.Length > 0 && piece[0] == (byte)' ')
                piece = piece[1..];
            removeSpace = false;
            bytes.Write(piece);
        }
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    public string TokenText(int id) => _vocabulary.Text(id);

    public bool IsEndOfGeneration(int id) => _vocabulary.IsEndOfGeneration(id);

    private static int RequireId(int id, string name) =>
        id != Vocabulary.NoToken ? id : throw new InvalidOperationException($"the vocabulary asks for {name} but has no {name} token");
}
