using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Toasted.Engine.Tokenization;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>
/// llama.cpp's test-tokenizer-0 vectors for every vocabulary of the kit: each input must encode
/// (add_special=false, parse_special=false, as that test runs them) to the recorded ids, and the recorded
/// ids must decode as llama_detokenize does (test-tokenizer-0 prints common_detokenize, i.e. with special
/// tokens rendered). Decoding is lossless for SentencePiece and byte-level BPE, so it must give the input
/// back, after llama.cpp's clean-up of spaces before punctuation for the vocabularies that use it.
/// WordPiece (lower-cased, accents stripped, [UNK]) and Gemma's verbatim whitespace tokens are lossy;
/// there the decoded text must encode back to the same ids.
/// </summary>
public class LlamaCppVocabVectorTests
{
    private const string Folder = "corpus/tokenizer/";

    /// <summary>Every vector file llama.cpp ships (and the kit copies), by vocabulary name.</summary>
    private static readonly string[] VectorNames =
    [
        "bert-bge", "command-r", "deepseek-coder", "deepseek-llm", "falcon", "gemma-3", "gemma-4", "gpt-2",
        "llama-bpe", "llama-spm", "mpt", "phi-3", "qwen2", "qwen35", "refact", "starcoder",
    ];

    /// <summary>Vocabularies whose decoding does not give the input back (see the class summary).</summary>
    private static readonly HashSet<string> LossyDecoding = ["bert-bge", "gemma-3"];

    private static IEnumerable<TestCaseData> VectorFiles() =>
        VectorNames.Select(name => new TestCaseData(name)
            .SetName($"Vectors_of_{name.Replace('-', '_')}_encode_to_llama_cpp_ids_and_decode_back"));

    [TestCaseSource(nameof(VectorFiles))]
    public void Vectors_encode_to_llama_cpp_ids_and_decode_back(string name)
    {
        var vocabulary = $"{Folder}ggml-vocab-{name}.gguf";
        var inputs = SharedKit.Require(vocabulary + ".inp");
        if (!File.Exists(Path.ChangeExtension(inputs, null)))
            Assert.Ignore($"llama.cpp ships vectors for {name} but no vocabulary GGUF; the kit has none to test against");

        var tokenizer = KitTokenizers.Load(vocabulary);
        var vectors = LlamaCppVocabVector.Read(SharedKit.Require(vocabulary));
        Assert.That(vectors, Is.Not.Empty);

        var failures = new List<string>();
        foreach (var vector in vectors)
        {
            var ids = tokenizer.Encode(vector.Input, addSpecial: false, parseSpecial: false);
            if (!ids.SequenceEqual(vector.ExpectedIds))
            {
                failures.Add($"case {vector.Index} \"{Escape(vector.Input)}\": encoded [{string.Join(' ', ids)}], expected [{string.Join(' ', vector.ExpectedIds)}]");
                continue;
            }
            var decodeFailure = CheckDecode(name, tokenizer, vector);
            if (decodeFailure is not null)
                failures.Add($"case {vector.Index} \"{Escape(vector.Input)}\": {decodeFailure}");
        }

        var summary = $"{name}: {vectors.Count - failures.Count}/{vectors.Count} cases passed";
        TestContext.Out.WriteLine(summary);
        Assert.That(failures, Is.Empty, summary + Environment.NewLine + string.Join(Environment.NewLine, failures));
    }

    /// <summary>The SentencePiece inputs also survive encode then decode with Baichuan, for which llama.cpp
    /// ships no vectors, and the BPE ones with GPT-NeoX (no vectors, no pre-tokenizer name: llama.cpp's
    /// default rules).</summary>
    [TestCase("baichuan")]
    [TestCase("gpt-neox")]
    public void Vector_inputs_survive_encode_then_decode_without_vectors_of_their_own(string name)
    {
        var tokenizer = KitTokenizers.Load($"{Folder}ggml-vocab-{name}.gguf");
        var vectors = LlamaCppVocabVector.Read(SharedKit.Require($"{Folder}ggml-vocab-llama-spm.gguf"));

        Assert.Multiple(() =>
        {
            foreach (var vector in vectors)
            {
                var ids = tokenizer.Encode(vector.Input, addSpecial: false, parseSpecial: false);
                Assert.That(tokenizer.Decode(ids, unparseSpecial: true), Is.EqualTo(ExpectedDecoding(tokenizer, vector.Input)), $"case {vector.Index}");
            }
        });
    }

    private static string? CheckDecode(string name, ITokenizer tokenizer, LlamaCppVocabVector vector)
    {
        var decoded = tokenizer.Decode(vector.ExpectedIds, removeSpecial: false, unparseSpecial: true);
        if (LossyDecoding.Contains(name))
        {
            var again = tokenizer.Encode(decoded, addSpecial: false, parseSpecial: true);
            return again.SequenceEqual(vector.ExpectedIds)
                ? null
                : $"decoded to \"{Escape(decoded)}\", which encodes to [{string.Join(' ', again)}]";
        }
        var expected = ExpectedDecoding(tokenizer, vector.Input);
        return decoded == expected ? null : $"decoded to \"{Escape(decoded)}\", expected \"{Escape(expected)}\"";
    }

    /// <summary>The input, with llama.cpp's clean-up when the vocabulary uses it: no space before
    /// ? ! . , or before 's 'm 're 've, and " ' " closed up.</summary>
    private static string ExpectedDecoding(ITokenizer tokenizer, string input)
    {
        if (tokenizer is not BpeTokenizer { Rules.CleanSpaces: true })
            return input;
        var text = Regex.Replace(input, " (?=[?!.,])", "");
        text = text.Replace(" ' ", "'", StringComparison.Ordinal);
        return Regex.Replace(text, " (?='(?:s|m|re|ve))", "");
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (var c in text)
            escaped.Append(c switch { '\n' => "\\n", '\t' => "\\t", '\r' => "\\r", _ => c.ToString() });
        return escaped.ToString();
    }
}
