using System.Text;

namespace Toasted.Engine.Tests.Tokenization;

/// <summary>
/// llama.cpp's tokenizer vectors (<c>&lt;vocab&gt;.inp</c> / <c>.out</c>), read as its
/// test-tokenizer-0 reads them: inputs separated by "\n__ggml_vocab_test__\n", one output line of
/// space-separated ids per input.
/// </summary>
internal sealed record LlamaCppVocabVector(int Index, string Input, int[] ExpectedIds)
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public static IReadOnlyList<LlamaCppVocabVector> Read(string vocabPath)
    {
        var raw = Encoding.UTF8.GetString(File.ReadAllBytes(vocabPath + ".inp"));
        var inputs = new List<string>();
        var position = 0;
        while (position < raw.Length)
        {
            var next = raw.IndexOf(Separator, position, StringComparison.Ordinal);
            if (next < 0)
            {
                inputs.Add(raw[position..]);
                break;
            }
            inputs.Add(raw[position..next]);
            position = next + Separator.Length;
        }

        var outputs = File.ReadAllLines(vocabPath + ".out");
        if (outputs.Length != inputs.Count)
            throw new InvalidDataException($"{vocabPath}: {inputs.Count} inputs but {outputs.Length} output lines");

        var vectors = new List<LlamaCppVocabVector>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var ids = outputs[i].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(int.Parse).ToArray();
            vectors.Add(new LlamaCppVocabVector(i, inputs[i], ids));
        }
        return vectors;
    }
}
