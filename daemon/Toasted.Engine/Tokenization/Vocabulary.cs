using System.Text;
using Toasted.Engine.Gguf;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// A model's token table as llama.cpp's vocab loader builds it from GGUF metadata: texts, scores,
/// attribute bits (including the fix-ups llama.cpp applies by token text), special ids, the
/// end-of-generation set, the special tokens in matching order and the decoded piece of every token.
/// Shared by every tokenizer family; the family only supplies its <see cref="VocabularyDefaults"/>.
/// </summary>
public sealed class Vocabulary
{
    public const int NoToken = -1;

    // Keys llama.cpp reads that the rest of the engine has no use for.
    private const string FimPrefixIdKey = "tokenizer.ggml.fim_pre_token_id";
    private const string FimSuffixIdKey = "tokenizer.ggml.fim_suf_token_id";
    private const string FimMiddleIdKey = "tokenizer.ggml.fim_mid_token_id";
    private const string FimPadIdKey = "tokenizer.ggml.fim_pad_token_id";
    private const string FimRepositoryIdKey = "tokenizer.ggml.fim_rep_token_id";
    private const string FimFileSeparatorIdKey = "tokenizer.ggml.fim_sep_token_id";
    private const string LegacyPrefixIdKey = "tokenizer.ggml.prefix_token_id";
    private const string LegacySuffixIdKey = "tokenizer.ggml.suffix_token_id";
    private const string LegacyMiddleIdKey = "tokenizer.ggml.middle_token_id";

    private readonly string[] _texts;
    private readonly float[] _scores;
    private readonly TokenAttributes[] _attributes;
    private readonly Dictionary<string, int> _idsByText;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;
    private readonly int[] _byteTokens;
    private byte[][] _pieces = [];
    private HashSet<int> _endOfGeneration = [];
    private int[] _specialTokensLongestFirst = [];

    private Vocabulary(string[] texts, float[] scores, TokenAttributes[] attributes)
    {
        _texts = texts;
        _scores = scores;
        _attributes = attributes;

        // Later duplicates win, as llama.cpp fills token_to_id in id order with plain assignment.
        _idsByText = new Dictionary<string, int>(texts.Length, StringComparer.Ordinal);
        for (var id = 0; id < texts.Length; id++)
            _idsByText[texts[id]] = id;
        _idsBySpan = _idsByText.GetAlternateLookup<ReadOnlySpan<char>>();

        _byteTokens = new int[256];
        for (var b = 0; b < 256; b++)
            _byteTokens[b] = FindByteToken((byte)b);
    }

    public int Count => _texts.Length;
    public int BosId { get; private set; } = NoToken;
    public int EosId { get; private set; } = NoToken;
    public int UnknownId { get; private set; } = NoToken;
    public int PaddingId { get; private set; } = NoToken;
    public int EotId { get; private set; } = NoToken;
    public int EomId { get; private set; } = NoToken;
    public bool AddBos { get; private set; }
    public bool AddEos { get; private set; }
    public bool AddSpacePrefix { get; private set; }

    /// <summary>CONTROL, USER_DEFINED and UNKNOWN tokens, longest text (in UTF-8 bytes) first: the order
    /// in which special-token partitioning tries them.</summary>
    public ReadOnlySpan<int> SpecialTokensLongestFirst => _specialTokensLongestFirst;

    public IReadOnlySet<int> EndOfGenerationIds => _endOfGeneration;

    public string Text(int id) => _texts[CheckId(id)];
    public float Score(int id) => _scores[CheckId(id)];
    public TokenAttributes Attributes(int id) => _attributes[CheckId(id)];
    public bool IsEndOfGeneration(int id) => _endOfGeneration.Contains(id);

    public bool TryGetId(ReadOnlySpan<char> text, out int id) => _idsBySpan.TryGetValue(text, out id);

    /// <summary>The token standing for one raw byte ("&lt;0xXX&gt;", else the one-character token for
    /// ASCII), or <see cref="NoToken"/>.</summary>
    public int ByteToken(byte value) => _byteTokens[value];

    /// <summary>
    /// llama_token_to_piece without lstrip: with <paramref name="special"/> false, UNKNOWN and CONTROL
    /// tokens give nothing; USER_DEFINED tokens give their text as is, NORMAL ones with U+2581 turned
    /// back into spaces, BYTE ones their byte; other types give nothing.
    /// </summary>
    public ReadOnlySpan<byte> Piece(int id, bool special)
    {
        if (!special && (_attributes[CheckId(id)] & (TokenAttributes.Unknown | TokenAttributes.Control)) != 0)
            return [];
        return _pieces[id];
    }

    public static Vocabulary FromGguf(GgufMetadata metadata, VocabularyDefaults defaults)
    {
        var texts = ReadTexts(metadata);
        var vocabulary = new Vocabulary(texts, ReadScores(metadata, texts.Length), ReadAttributes(metadata, texts.Length));

        var ids = new SpecialIds
        {
            Bos = ReadId(metadata, GgufKeys.TokenizerBosId, defaults.BosId, texts.Length),
            Eos = ReadId(metadata, GgufKeys.TokenizerEosId, defaults.EosId, texts.Length),
            Unknown = ReadId(metadata, GgufKeys.TokenizerUnknownId, defaults.UnknownId, texts.Length),
            Padding = ReadId(metadata, GgufKeys.TokenizerPaddingId, defaults.PaddingId, texts.Length),
            Eot = ReadId(metadata, GgufKeys.TokenizerEotId, NoToken, texts.Length),
            Eom = ReadId(metadata, GgufKeys.TokenizerEomId, NoToken, texts.Length),
            FimPrefix = ReadId(metadata, LegacyPrefixIdKey, ReadId(metadata, FimPrefixIdKey, NoToken, texts.Length), texts.Length),
            FimSuffix = ReadId(metadata, LegacySuffixIdKey, ReadId(metadata, FimSuffixIdKey, NoToken, texts.Length), texts.Length),
            FimMiddle = ReadId(metadata, LegacyMiddleIdKey, ReadId(metadata, FimMiddleIdKey, NoToken, texts.Length), texts.Length),
            FimPad = ReadId(metadata, FimPadIdKey, NoToken, texts.Length),
            FimRepository = ReadId(metadata, FimRepositoryIdKey, NoToken, texts.Length),
            FimFileSeparator = ReadId(metadata, FimFileSeparatorIdKey, NoToken, texts.Length),
        };

        vocabulary.DetectSpecialIdsByText(ids);
        vocabulary._endOfGeneration = vocabulary.BuildEndOfGenerationSet(ids);
        vocabulary.BosId = ids.Bos;
        vocabulary.EosId = ids.Eos;
        vocabulary.UnknownId = ids.Unknown;
        vocabulary.PaddingId = ids.Padding;
        vocabulary.EotId = ids.Eot;
        vocabulary.EomId = ids.Eom;
        vocabulary.AddBos = metadata.GetBool(GgufKeys.TokenizerAddBos, defaults.AddBos);
        vocabulary.AddEos = metadata.GetBool(GgufKeys.TokenizerAddEos, defaults.AddEos);
        vocabulary.AddSpacePrefix = metadata.GetBool(GgufKeys.TokenizerAddSpacePrefix, defaults.AddSpacePrefix);

        vocabulary._specialTokensLongestFirst = OrderSpecialTokens(texts, vocabulary._attributes);
        // Pieces are fixed before the strip attributes below, as in llama.cpp (they do not affect them).
        vocabulary._pieces = new byte[texts.Length][];
        for (var id = 0; id < texts.Length; id++)
            vocabulary._pieces[id] = vocabulary.BuildPiece(id, defaults.TextEncoding);

        vocabulary.ApplyModelSpecificStrip(metadata.GetStringOrNull(GgufKeys.Name));
        return vocabulary;
    }

    private int CheckId(int id) =>
        (uint)id < (uint)_texts.Length ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {_texts.Length}");

    private static string[] ReadTexts(GgufMetadata metadata)
    {
        var raw = metadata.GetArray(GgufKeys.TokenizerTokens).Items as string[]
            ?? throw new InvalidDataException($"GGUF metadata '{GgufKeys.TokenizerTokens}' is not a string array");
        var texts = new string[raw.Length];
        for (var id = 0; id < raw.Length; id++)
        {
            // An empty text would match everywhere during special-token partitioning; llama.cpp
            // renames such tokens the same way.
            texts[id] = raw[id].Length == 0 ? $"[EMPTY_{id}]" : raw[id];
        }
        return texts;
    }

    private static float[] ReadScores(GgufMetadata metadata, int count)
    {
        var array = metadata.GetArrayOrNull(GgufKeys.TokenizerScores);
        if (array is null)
            return new float[count];
        if (array.Items is float[] scores && scores.Length == count)
            return scores;
        var converted = new float[count];
        for (var i = 0; i < count && i < array.Count; i++)
            converted[i] = Convert.ToSingle(array.Items.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        return converted;
    }

    private static TokenAttributes[] ReadAttributes(GgufMetadata metadata, int count)
    {
        var attributes = new TokenAttributes[count];
        var array = metadata.GetArrayOrNull(GgufKeys.TokenizerTokenType);
        if (array is null)
        {
            Array.Fill(attributes, TokenAttributes.Normal);
            return attributes;
        }
        for (var i = 0; i < count; i++)
        {
            var type = i < array.Count ? Convert.ToInt32(array.Items.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) : GgufTokenType.Normal;
            attributes[i] = GgufTokenType.ToAttributes(type);
        }
        return attributes;
    }

    /// <summary>An id from metadata; a missing key or an id outside the vocabulary keeps the fallback.</summary>
    private static int ReadId(GgufMetadata metadata, string key, int fallback, int count)
    {
        var value = metadata.GetInteger(key, fallback);
        return value >= 0 && value < count ? (int)value : fallback;
    }

    /// <summary>Fills end-of-turn/message and fill-in-the-middle ids the metadata left out, by token text,
    /// and marks each recognised token CONTROL as llama.cpp does.</summary>
    private void DetectSpecialIdsByText(SpecialIds ids)
    {
        ids.Eot = DetectByText(ids.Eot, SpecialTokenTexts.EndOfTurn);
        ids.Eom = DetectByText(ids.Eom, SpecialTokenTexts.EndOfMessage);
        ids.FimPrefix = DetectByText(ids.FimPrefix, SpecialTokenTexts.FimPrefix);
        ids.FimSuffix = DetectByText(ids.FimSuffix, SpecialTokenTexts.FimSuffix);
        ids.FimMiddle = DetectByText(ids.FimMiddle, SpecialTokenTexts.FimMiddle);
        ids.FimPad = DetectByText(ids.FimPad, SpecialTokenTexts.FimPad);
        ids.FimRepository = DetectByText(ids.FimRepository, SpecialTokenTexts.FimRepository);
        ids.FimFileSeparator = DetectByText(ids.FimFileSeparator, SpecialTokenTexts.FimFileSeparator);
    }

    /// <summary>The first listed text present in the vocabulary (llama.cpp's pick among several is
    /// unordered; vocabularies in practice hold at most one).</summary>
    private int DetectByText(int current, string[] candidates)
    {
        if (current != NoToken)
            return current;
        foreach (var text in candidates)
        {
            if (_idsByText.TryGetValue(text, out var id))
            {
                _attributes[id] |= TokenAttributes.Control;
                return id;
            }
        }
        return NoToken;
    }

    private HashSet<int> BuildEndOfGenerationSet(SpecialIds ids)
    {
        var set = new HashSet<int>();
        foreach (var fimId in (ReadOnlySpan<int>)[ids.FimPad, ids.FimRepository, ids.FimFileSeparator])
        {
            if (fimId != NoToken)
                set.Add(fimId);
        }

        foreach (var text in SpecialTokenTexts.EndOfGeneration)
        {
            if (_idsByText.TryGetValue(text, out var id))
            {
                set.Add(id);
                _attributes[id] |= TokenAttributes.Control;
            }
        }

        foreach (var text in SpecialTokenTexts.AlwaysRendered)
        {
            if (_idsByText.TryGetValue(text, out var id))
                _attributes[id] = TokenAttributes.UserDefined;
        }

        foreach (var declared in (ReadOnlySpan<int>)[ids.Eos, ids.Eot, ids.Eom])
        {
            if (declared != NoToken)
                set.Add(declared);
        }

        // Harmony-style vocabularies use <|end|> between messages, not at the end of the answer.
        if (_idsByText.TryGetValue("<|end|>", out var endId) && set.Contains(endId)
            && ((ContainsEog(set, "<|return|>") && ContainsEog(set, "<|call|>"))
                || (ContainsEog(set, "<|calls|>") && ContainsEog(set, "<|flush|>"))))
        {
            set.Remove(endId);
            _attributes[endId] = TokenAttributes.UserDefined;
        }

        // Gemma 4 style vocabularies (they have <|tool_response>) use </s> as ordinary text.
        if (_idsByText.TryGetValue("</s>", out var closeId) && set.Contains(closeId) && ContainsEog(set, "<|tool_response>"))
        {
            set.Remove(closeId);
            _attributes[closeId] = TokenAttributes.Normal;
        }
        return set;
    }

    private bool ContainsEog(HashSet<int> set, string text) => _idsByText.TryGetValue(text, out var id) && set.Contains(id);

    /// <summary>Phi-3 models strip whitespace after their special tokens (llama.cpp sets these
    /// attributes by model name because GGUF files do not carry them).</summary>
    private void ApplyModelSpecificStrip(string? modelName)
    {
        var name = modelName?.ToLowerInvariant() ?? "";
        if (!name.Contains("phi-3", StringComparison.Ordinal) && !name.Contains("phi3", StringComparison.Ordinal))
            return;
        foreach (var id in _specialTokensLongestFirst)
            _attributes[id] |= TokenAttributes.RightStrip;
        SetStrip("</s>", true);
        foreach (var text in (ReadOnlySpan<string>)["<unk>", "<s>", "<|endoftext|>"])
            SetStrip(text, false);
    }

    private void SetStrip(string text, bool on)
    {
        if (!_idsByText.TryGetValue(text, out var id))
            return;
        _attributes[id] = on ? _attributes[id] | TokenAttributes.RightStrip : _attributes[id] & ~TokenAttributes.RightStrip;
    }

    private static int[] OrderSpecialTokens(string[] texts, TokenAttributes[] attributes)
    {
        const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
        var ids = new List<int>();
        for (var id = 0; id < texts.Length; id++)
        {
            if ((attributes[id] & special) != 0)
                ids.Add(id);
        }
        var lengths = new int[texts.Length];
        foreach (var id in ids)
            lengths[id] = Encoding.UTF8.GetByteCount(texts[id]);
        // Longest first by UTF-8 length as llama.cpp; equal lengths keep id order (llama.cpp's
        // std::sort leaves that order unspecified).
        ids.Sort((a, b) => lengths[a] != lengths[b] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));
        return ids.ToArray();
    }

    private int FindByteToken(byte value)
    {
        Span<char> hex = ['<', '0', 'x', HexDigit(value >> 4), HexDigit(value & 15), '>'];
        if (_idsBySpan.TryGetValue(hex, out var id))
            return id;
        // llama.cpp falls back to the one-byte text; only ASCII bytes are whole characters.
        if (value < 0x80 && _idsBySpan.TryGetValue([(char)value], out id))
            return id;
        return NoToken;
    }

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private byte[] BuildPiece(int id, TokenTextEncoding encoding)
    {
        var attributes = _attributes[id];
        var text = _texts[id];
        if ((attributes & (TokenAttributes.Unknown | TokenAttributes.Control | TokenAttributes.UserDefined)) != 0)
            return Encoding.UTF8.GetBytes(text);
        if ((attributes & TokenAttributes.Normal) != 0)
        {
            return encoding == TokenTextEncoding.ByteLevel
                ? DecodeByteLevel(text)
                : Encoding.UTF8.GetBytes(text.Replace('\u2581', ' '));
        }
        if ((attributes & TokenAttributes.Byte) != 0)
            return [ParseByteToken(text)];
        return [];
    }

    /// <summary>
    /// The bytes a byte-level token text stands for. A character outside the alphabet (a badly converted
    /// vocabulary) comes out as llama.cpp writes it: "[UNK_BYTE_0x" + its UTF-8 in hex + the whole text + "]".
    /// </summary>
    private static byte[] DecodeByteLevel(string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsBmp && ByteLevelAlphabet.TryGetByte((char)rune.Value, out var value))
            {
                bytes.Add(value);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            var marker = new StringBuilder("[UNK_BYTE_0x");
            foreach (var b in utf8[..length])
                marker.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            marker.Append(text).Append(']');
            bytes.AddRange(Encoding.UTF8.GetBytes(marker.ToString()));
        }
        return bytes.ToArray();
    }

    /// <summary>The byte of a "&lt;0xXX&gt;" token (hex digits at offsets 3 and 4).</summary>
    private static byte ParseByteToken(string text) =>
        text.Length >= 5 && byte.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var value) ? value : (byte)0;

    private sealed class SpecialIds
    {
        public int Bos { get; init; }
        public int Eos { get; init; }
        public int Unknown { get; init; }
        public int Padding { get; init; }
        public int Eot { get; set; }
        public int Eom { get; set; }
        public int FimPrefix { get; set; }
        public int FimSuffix { get; set; }
        public int FimMiddle { get; set; }
        public int FimPad { get; set; }
        public int FimRepository { get; set; }
        public int FimFileSeparator { get; set; }
    }
}
