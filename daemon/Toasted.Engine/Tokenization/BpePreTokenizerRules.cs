namespace Toasted.Engine.Tokenization;

/// <summary>
/// What <c>tokenizer.ggml.pre</c> selects for a byte-level BPE vocabulary, as llama.cpp's vocab loader
/// defines it: the pre-tokenizer expressions (applied one after another, each splitting the pieces the
/// previous one left), whether a pre-token that is itself a token skips the merges, whether BOS is added
/// by default, whether there is a default BOS id at all, and whether decoding cleans up spaces before
/// punctuation (Hugging Face's clean_up_tokenization_spaces). The expressions are llama.cpp's, written
/// for .NET where needed.
/// </summary>
public sealed record BpePreTokenizerRules(
    string Name,
    IReadOnlyList<string> Expressions,
    bool IgnoreMerges = false,
    bool AddBos = false,
    bool CleanSpaces = true,
    bool HasDefaultBos = true)
{
    /// <summary>Tokens and their contractions, words, numbers, punctuation runs and spaces as GPT-2 splits them.</summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

    /// <summary>Llama 3: case-insensitive contractions, a word may take one leading non-letter, numbers
    /// in groups of up to three digits, newlines kept with the punctuation or whitespace before them.</summary>
    public const string Llama3 =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen 2: as Llama 3 but every digit is its own pre-token.</summary>
    public const string Qwen2 =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen 3.5: as Qwen 2 with combining marks kept inside words.</summary>
    public const string Qwen35 =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Cased letters of DeepSeek LLM's word expression. llama.cpp's list also has seven ranges
    /// outside the Basic Multilingual Plane (Deseret, Osage, Old Hungarian, Warang Citi, Adlam); a .NET
    /// character class cannot hold them, so letters of those scripts are left to the later expressions.</summary>
    private const string DeepSeekCasedLetters =
        "A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373"
        + "\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481"
        + "\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B"
        + "\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B"
        + "\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB"
        + "\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128"
        + "\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4"
        + "\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF"
        + "\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A";

    /// <summary>CJK ideographs (U+4E00–U+9FA5), U+0800–U+4E00 and Hangul syllables (U+AC00–U+D7FF), as DeepSeek lists them.</summary>
    private const string DeepSeekCjk = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    private static readonly BpePreTokenizerRules DefaultRules =
        new("default", [@"[\p{P}\$\+<=>\^~\|]+", Gpt2, @"\p{N}+", "[0-9][0-9][0-9]"]);

    private static readonly Dictionary<string, BpePreTokenizerRules> ByName = BuildTable();

    /// <summary>The <c>tokenizer.ggml.pre</c> values with rules here.</summary>
    public static IReadOnlyCollection<string> KnownNames => ByName.Keys;

    /// <summary>The rules for a pre-tokenizer name; a missing name means llama.cpp's "default" (which it
    /// warns degrades quality). An unknown name is refused, as llama.cpp refuses it.</summary>
    public static BpePreTokenizerRules ForName(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return DefaultRules;
        return ByName.TryGetValue(name, out var rules)
            ? rules
            : throw new NotSupportedException($"BPE pre-tokenizer '{name}' is not supported (supported: {string.Join(", ", ByName.Keys.Order(StringComparer.Ordinal))})");
    }

    private static Dictionary<string, BpePreTokenizerRules> BuildTable()
    {
        var table = new Dictionary<string, BpePreTokenizerRules>(StringComparer.Ordinal);
        void Add(BpePreTokenizerRules rules, params string[] names)
        {
            foreach (var name in names)
                table.Add(name, rules with { Name = name });
        }

        Add(DefaultRules, "default");
        Add(new("llama3", [Llama3], IgnoreMerges: true, AddBos: true),
            "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2");
        Add(new("dbrx", [Llama3]), "dbrx", "smaug-bpe");
        Add(new("deepseek-llm",
            [
                @"[\r\n]",
                @"\s?[" + DeepSeekCasedLetters + "]+",
                "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
                // llama.cpp's "$" is the end of the piece being split; .NET's "$" would also match before a final newline.
                @"\s+\z",
                DeepSeekCjk,
                @"\p{N}+",
            ], CleanSpaces: false), "deepseek-llm");
        Add(new("deepseek-coder", [@"[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", DeepSeekCjk, @"\p{N}"], CleanSpaces: false),
            "deepseek-coder");
        Add(new("deepseek-v3",
            [
                @"\p{N}{1,3}",
                "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
                @"[!""#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
            ], CleanSpaces: false), "deepseek-v3", "hunyuan-dense");
        Add(new("falcon", [@"[\p{P}\$\+<=>\^~\|]+", Gpt2, "[0-9][0-9][0-9]"]), "falcon");
        Add(new("starcoder", [@"\p{N}", Gpt2]), "starcoder", "refact", "codeshell", "exaone", "minerva-7b");
        Add(new("starcoder", [@"\p{N}", Gpt2], CleanSpaces: false), "command-r", "smollm");
        Add(new("gpt-2", [Gpt2]),
            "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
            "mpt", "olmo", "jais", "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe");
        Add(new("gpt-2", [Gpt2], CleanSpaces: false), "trillion", "granite-docling");
        Add(new("qwen2", [Qwen2], CleanSpaces: false), "qwen2", "deepseek-r1-qwen", "hunyuan");
        Add(new("qwen2", [Qwen2]), "stablelm2", "megrez");
        Add(new("qwen35", [Qwen35], CleanSpaces: false), "qwen35");
        Add(new("chatglm4", [Llama3], HasDefaultBos: false), "glm4", "chatglm-bpe");
        Add(new("poro", [" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+"], CleanSpaces: false), "poro-chat");
        Add(new("bloom", [" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+"]), "bloom", "gpt3-finnish");
        Add(new("viking", [" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+", @"\p{N}"], CleanSpaces: false), "viking");
        Add(new("tekken",
            [@"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
            IgnoreMerges: true, AddBos: true, CleanSpaces: false), "tekken");
        Add(new("gpt-4o",
            [@"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
            CleanSpaces: false), "gpt-4o", "llama4");
        Add(new("seed-coder",
            [@"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"],
            CleanSpaces: false), "seed-coder");
        Add(new("bailingmoe",
            [@"'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"],
            CleanSpaces: false), "bailingmoe", "bailingmoe2", "llada-moe");
        Add(new("grok-2", [Qwen2], CleanSpaces: false), "grok-2");
        return table;
    }
}
