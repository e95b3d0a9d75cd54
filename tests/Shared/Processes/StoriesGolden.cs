using System.Text;
using System.Text.Json;

namespace Toasted.Tests.Shared;

/// <summary>One prompt of <c>corpus/real/stories260K.json</c>: llama.cpp's tokens and greedy continuation.</summary>
public sealed record GoldenPrompt(string Prompt, int[] TokenIds, byte[][] Pieces, int? FirstEndOfGenerationStep, string DetokenizedText)
{
    /// <summary>How many greedy tokens to request so the comparison stays on llama.cpp's path: its
    /// continuation does not stop at end-of-generation, ours does, so only the steps before the first
    /// end-of-generation token are comparable (all 64 when there is none).</summary>
    public int ComparableSteps => FirstEndOfGenerationStep ?? Pieces.Length;

    /// <summary>The text a streaming client sees for <paramref name="steps"/> tokens: the pieces joined.
    /// It differs from llama.cpp's <c>greedy.text</c> only by the leading space that llama_detokenize
    /// drops for SentencePiece at the start of a sequence.</summary>
    public string StreamedText(int steps) => Encoding.UTF8.GetString(Pieces.Take(steps).SelectMany(piece => piece).ToArray());
}

/// <summary>Reads the golden file of the stories260K model (or another real model of the kit) from the test kit.</summary>
public static class StoriesGolden
{
    public const string ModelFile = "corpus/real/stories260K.gguf";
    public const string GoldenFile = "corpus/real/stories260K.json";

    public static IReadOnlyList<GoldenPrompt> Load() => Load(GoldenFile);

    /// <summary>The prompts of any golden file of <c>corpus/real/</c>, which all share this format.</summary>
    public static IReadOnlyList<GoldenPrompt> Load(string goldenFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedKit.Require(goldenFile)));
        var prompts = new List<GoldenPrompt>();
        foreach (var prompt in document.RootElement.GetProperty("prompts").EnumerateArray())
        {
            var greedy = prompt.GetProperty("greedy");
            var pieces = greedy.GetProperty("pieces_hex").EnumerateArray()
                .Select(hex => Convert.FromHexString(hex.GetString()!)).ToArray();
            var eog = greedy.GetProperty("first_eog_step");
            prompts.Add(new GoldenPrompt(
                prompt.GetProperty("prompt").GetString()!,
                prompt.GetProperty("token_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
                pieces,
                eog.ValueKind == JsonValueKind.Number ? eog.GetInt32() : null,
                greedy.GetProperty("text").GetString()!));
        }
        return prompts;
    }

    public static GoldenPrompt OnceUponATime => Load().Single(prompt => prompt.Prompt == "Once upon a time");
}
