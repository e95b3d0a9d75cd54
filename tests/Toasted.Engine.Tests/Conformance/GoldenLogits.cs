using System.Text.Json;

namespace Toasted.Engine.Tests.Conformance;

/// <summary>One llama.cpp golden of the conformance corpus: the 64 input tokens, the logits llama.cpp
/// computed for every position, its argmax and top-1 margins, and a teacher-forced greedy run.</summary>
public sealed class GoldenLogits
{
    public required string ModelFile { get; init; }
    public required int[] TokenIds { get; init; }
    public required int VocabSize { get; init; }
    public required float[] Logits { get; init; }          // [tokens][vocab]
    public required int[] PromptArgmax { get; init; }
    public required float[] PromptTop1Margin { get; init; }
    public required GreedyStep[] Greedy { get; init; }

    public sealed record GreedyStep(int Token, int[] Top5Ids, float[] Top5Logits, float Top1Margin);

    public ReadOnlySpan<float> Row(int position) => Logits.AsSpan(position * VocabSize, VocabSize);

    public static GoldenLogits Load(string jsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        var root = doc.RootElement;
        var logitsPath = Path.Combine(Path.GetDirectoryName(jsonPath)!, root.GetProperty("logits_file").GetString()!);
        var bytes = File.ReadAllBytes(logitsPath);
        var logits = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, logits, 0, bytes.Length);
        var greedy = root.GetProperty("greedy");
        var tokens = greedy.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var top5 = greedy.GetProperty("top5").EnumerateArray().ToArray();
        var margins = greedy.GetProperty("top1_margin").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var steps = tokens.Select((t, i) => new GreedyStep(
            t,
            top5[i].EnumerateArray().Select(p => p[0].GetInt32()).ToArray(),
            top5[i].EnumerateArray().Select(p => p[1].GetSingle()).ToArray(),
            margins[i])).ToArray();
        return new GoldenLogits
        {
            ModelFile = root.GetProperty("model_file").GetString()!,
            TokenIds = root.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            VocabSize = root.GetProperty("n_vocab").GetInt32(),
            Logits = logits,
            PromptArgmax = root.GetProperty("prompt_argmax").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            PromptTop1Margin = root.GetProperty("prompt_top1_margin").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            Greedy = steps,
        };
    }
}
