using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// WordPiece tokenizer (<c>tokenizer.ggml.model = "bert"</c>) as llama.cpp's WPM session: each word of
/// the <see cref="WordPiecePreprocessor"/> gets a U+2581 prefix (GGUF stores word-initial pieces as
/// "▁word" and continuations without BERT's "##"), then is covered left to right by the longest
/// vocabulary token at each position; a word that cannot be covered becomes one [UNK]. With addSpecial,
/// CLS comes first and SEP last: they are this family's BOS and EOS.
/// </summary>
public sealed class WordPieceTokenizer : ITokenizer
{
    private const string SeparatorIdKey = "tokenizer.ggml.seperator_token_id";
    private const string ClassifierIdKey = "tokenizer.ggml.cls_token_id";
    private const string LowercaseKey = "tokenizer.ggml.normalizer.lowercase";
    private const string StripAccentsKey = "tokenizer.ggml.normalizer.strip_accents";
    private const char WordStart = '\u2581';

    private readonly Vocabulary _vocabulary;
    private readonly WordPiecePreprocessor _preprocessor;
    private readonly int _longestToken;

    public WordPieceTokenizer(Vocabulary vocabulary, int separatorId, WordPiecePreprocessor preprocessor)
    {
        _vocabulary = vocabulary;
        _preprocessor = preprocessor;
        SeparatorId = separatorId;
        for (var id = 0; id < vocabulary.Count; id++)
            _longestToken = Math.Max(_longestToken, vocabulary.Text(id).Length);
    }

    /// <summary>BERT defaults: CLS 101 as BOS, UNK 100, PAD 0, SEP 102; lower-casing on, and accent
    /// stripping following lower-casing unless the metadata says otherwise.</summary>
    public static WordPieceTokenizer FromGguf(GgufMetadata metadata)
    {
        var defaults = new VocabularyDefaults(
            BosId: (int)metadata.GetInteger(ClassifierIdKey, 101), EosId: Vocabulary.NoToken, UnknownId: 100, PaddingId: 0,
            AddBos: true, AddEos: false, AddSpacePrefix: false);
        var vocabulary = Vocabulary.FromGguf(metadata, defaults);
        var separator = metadata.GetInteger(SeparatorIdKey, 102);
        var lowercase = metadata.GetBool(LowercaseKey, true);
        var stripAccents = metadata.GetBool(StripAccentsKey, lowercase);
        return new WordPieceTokenizer(
            vocabulary,
            separator >= 0 && separator < vocabulary.Count ? (int)separator : Vocabulary.NoToken,
            new WordPiecePreprocessor(lowercase, stripAccents));
    }

    public Vocabulary Vocabulary => _vocabulary;
    public int SeparatorId { get; }
    public int VocabSize => _vocabulary.Count;
    public int BosId => _vocabulary.BosId;
    public int EosId => SeparatorId;
    public bool AddBos => true;
    public bool AddEos => true;
    public bool AddSpacePrefix => false;

    public int[] Encode(string text, bool addSpecial, bool parseSpecial)
    {
        text = LoneSurrogates.Replace(text);
        var output = new List<int>(text.Length / 3 + 2);
        if (addSpecial)
            output.Add(RequireId(BosId, "CLS"));

        foreach (var fragment in SpecialTokenPartitioner.Partition(_vocabulary, text, parseSpecial))
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                continue;
            }
            foreach (var word in _preprocessor.Words(text.AsSpan(fragment.Start, fragment.Length)))
                TokenizeWord(word, output);
        }

        if (addSpecial)
            output.Add(RequireId(SeparatorId, "SEP"));
        return output.ToArray();
    }

    public byte[] TokenToPiece(int id, bool special) => _vocabulary.Piece(id, special).ToArray();

    /// <summary>Pieces keep their word-initial space, and the clean-up of spaces before punctuation applies,
    /// as in llama.cpp.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool unparseSpecial = false) =>
        Detokenization.Decode(_vocabulary, ids, removeSpecial, unparseSpecial, cleanSpaces: true);

    public string TokenText(int id) => _vocabulary.Text(id);

    public bool IsEndOfGeneration(int id) => _vocabulary.IsEndOfGeneration(id);

    private void TokenizeWord(string word, List<int> output)
    {
        var marked = WordStart + word;
        var before = output.Count;
        for (var start = 0; start < marked.Length;)
        {
            var found = false;
            for (var end = Math.Min(marked.Length, start + _longestToken); end > start; end--)
            {
                if (_vocabulary.TryGetId(marked.AsSpan(start, end - start), out var id))
                {
                    output.Add(id);
                    start = end;
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                // One position without a token discards the whole word.
                output.RemoveRange(before, output.Count - before);
                break;
            }
        }
        if (output.Count == before)
            output.Add(_vocabulary.UnknownId);
    }

    private static int RequireId(int id, string name) =>
        id != Vocabulary.NoToken ? id : throw new InvalidOperationException($"the vocabulary has no {name} token");
}
