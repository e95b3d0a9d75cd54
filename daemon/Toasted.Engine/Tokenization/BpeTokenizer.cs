using System.Buffers;
using System.Text;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// Byte-level BPE tokenizer (<c>tokenizer.ggml.model = "gpt2"</c>) with the semantics of llama.cpp's
/// llama_tokenize / llama_token_to_piece / llama_detokenize for BPE vocabularies: special tokens split
/// out first, each raw fragment pre-tokenized by the rules of <c>tokenizer.ggml.pre</c>, every pre-token
/// written in GPT-2's byte-level alphabet and merged by rank.
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    private readonly Vocabulary _vocabulary;
    private readonly BpePreTokenizer _preTokenizer;
    private readonly BpeWordMerger _merger;

    public BpeTokenizer(Vocabulary vocabulary, BpeMergeRanks ranks, BpePreTokenizerRules rules)
    {
        _vocabulary = vocabulary;
        Rules = rules;
        _preTokenizer = new BpePreTokenizer(rules.Expressions);
        _merger = new BpeWordMerger(vocabulary, ranks, rules.IgnoreMerges);
    }

    /// <summary>Loads the vocabulary, merges and pre-tokenizer rules; an unknown <c>tokenizer.ggml.pre</c>
    /// is a <see cref="NotSupportedException"/> naming it.</summary>
    public static BpeTokenizer FromGguf(GgufMetadata metadata)
    {
        var rules = BpePreTokenizerRules.ForName(metadata.GetStringOrNull(GgufKeys.TokenizerPre));
        var defaults = new VocabularyDefaults(
            BosId: rules.HasDefaultBos ? 11 : Vocabulary.NoToken, EosId: 11, UnknownId: Vocabulary.NoToken, PaddingId: Vocabulary.NoToken,
            AddBos: rules.AddBos, AddEos: false, AddSpacePrefix: false)
        {
            TextEncoding = TokenTextEncoding.ByteLevel,
        };
        return new BpeTokenizer(Vocabulary.FromGguf(metadata, defaults), BpeMergeRanks.FromGguf(metadata), rules);
    }

    public Vocabulary Vocabulary => _vocabulary;
    public BpePreTokenizerRules Rules { get; }
    public int VocabSize => _vocabulary.Count;
    public int BosId => _vocabulary.BosId;
    public int EosId => _vocabulary.EosId;
    public bool AddBos => _vocabulary.AddBos;
    public bool AddEos => _vocabulary.AddEos;
    public bool AddSpacePrefix => _vocabulary.AddSpacePrefix;

    public int[] Encode(string text, bool addSpecial, bool parseSpecial)
    {
        text = LoneSurrogates.Replace(text);
        var output = new List<int>(text.Length / 3 + 2);
        if (addSpecial && AddBos)
            output.Add(RequireId(BosId, "BOS"));

        var words = new List<(int Start, int Length)>();
        foreach (var fragment in SpecialTokenPartitioner.Partition(_vocabulary, text, parseSpecial))
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                continue;
            }
            var raw = text.AsSpan(fragment.Start, fragment.Length);
            words.Clear();
            _preTokenizer.Split(raw, words);
            foreach (var (start, length) in words)
                TokenizeWord(raw.Slice(start, length), output);
        }

        if (addSpecial && AddEos)
            output.Add(RequireId(EosId, "EOS"));
        return output.ToArray();
    }

    public byte[] TokenToPiece(int id, bool special) => _vocabulary.Piece(id, special).ToArray();

    public string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool unparseSpecial = false) =>
        Detokenization.Decode(_vocabulary, ids, removeSpecial, unparseSpecial, Rules.CleanSpaces);

    public string TokenText(int id) => _vocabulary.Text(id);

    public bool IsEndOfGeneration(int id) => _vocabulary.IsEndOfGeneration(id);

    /// <summary>The pre-token's UTF-8 bytes, one alphabet character each, then merged.</summary>
    private void TokenizeWord(ReadOnlySpan<char> word, List<int> output)
    {
        var byteCount = Encoding.UTF8.GetByteCount(word);
        var bytes = ArrayPool<byte>.Shared.Rent(byteCount);
        var chars = ArrayPool<char>.Shared.Rent(byteCount);
        try
        {
            Encoding.UTF8.GetBytes(word, bytes);
            ByteLevelAlphabet.Encode(bytes.AsSpan(0, byteCount), chars);
            _merger.Tokenize(chars.AsSpan(0, byteCount), output);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static int RequireId(int id, string name) =>
        id != Vocabulary.NoToken ? id : throw new InvalidOperationException($"the vocabulary asks for {name} but has no {name} token");
}
