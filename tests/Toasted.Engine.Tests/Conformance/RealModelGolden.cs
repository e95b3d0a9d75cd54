using System.Text.Json;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>llama.cpp's recorded run of one prompt on a real model (corpus/real/*.json).</summary>
public sealed record RealModelGolden(
    string Prompt,
    int[] PromptTokens,
    float[] LastLogits,
    int[] GreedyTokens,
    float[] GreedyMargins,
    string[] GreedyPieces,
    string GreedyText)
{
    public static IReadOnlyList<RealModelGolden> Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p =>
        {
            var greedy = p.GetProperty("greedy");
            return new RealModelGolden(
                p.GetProperty("prompt").GetString()!,
                p.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                p.GetProperty("last_logits").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
                greedy.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                greedy.GetProperty("top1_margin").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
                greedy.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                greedy.GetProperty("text").GetString()!);
        }).ToArray();
    }
}
