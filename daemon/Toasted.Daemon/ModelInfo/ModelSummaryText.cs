using System.Globalization;
using System.Text;

namespace Toasted.Daemon.ModelInfo;

/// <summary>The summary for people: aligned "name: value" lines in sections, "-" where the file declares nothing.</summary>
public static class ModelSummaryText
{
    private const int LabelWidth = 18;

    public static string Write(ModelSummary summary)
    {
        var text = new StringBuilder();
        void Line(string label, string? value) =>
            text.Append(CultureInfo.InvariantCulture, $"  {label + ":",-LabelWidth} {value ?? "-"}\n");

        text.Append(CultureInfo.InvariantCulture, $"{summary.Path}\n");
        Line("architecture", summary.Architecture);
        Line("name", summary.Name);
        Line("parameters", $"{summary.ParameterCount:N0} ({Scaled(summary.ParameterCount)})");
        Line("file size", $"{summary.FileSize:N0} bytes ({Bytes(summary.FileSize)})");
        Line("gguf version", summary.GgufVersion.ToString(CultureInfo.InvariantCulture));
        Line("file type", summary.FileType is { } fileType
            ? $"{fileType}{(FileTypeNames.Of(fileType) is { } name ? " (" + name + ")" : "")}"
            : null);
        Line("tensors", summary.TensorCount.ToString(CultureInfo.InvariantCulture));
        foreach (var usage in summary.TensorTypes)
            text.Append(CultureInfo.InvariantCulture, $"    {usage.Type,-8} {usage.Count,5} tensors {usage.Bytes,16:N0} bytes ({Bytes(usage.Bytes)})\n");

        var shape = summary.Shape;
        text.Append("hyper-parameters\n");
        Line("embedding", Number(shape.EmbeddingLength));
        Line("layers", Number(shape.Layers));
        Line("heads", PerLayer(shape.Heads));
        Line("kv heads", PerLayer(shape.KvHeads));
        Line("head dim", Number(shape.HeadDim));
        Line("feed-forward", PerLayer(shape.FeedForwardLength));
        Line("context length", Number(shape.ContextLength));
        Line("vocab size", Number(shape.VocabSize));
        Line("rms epsilon", Number(shape.RmsEpsilon));
        if (shape.ExpertCount is not null)
            Line("experts", $"{Number(shape.ExpertCount)} ({Number(shape.ExpertsUsed) ?? "-"} used per token)");
        Line("rope", Rope(shape.Rope));

        var tokenizer = summary.Tokenizer;
        text.Append("tokenizer\n");
        Line("model", tokenizer.Model);
        Line("pre-tokenizer", tokenizer.PreTokenizer);
        Line("vocab size", tokenizer.VocabSize?.ToString(CultureInfo.InvariantCulture));
        Line("bos", Token(tokenizer.BosId, tokenizer.BosText));
        Line("eos", Token(tokenizer.EosId, tokenizer.EosText));
        Line("add bos", tokenizer.AddBos is { } addBos ? (addBos ? "yes" : "no") : null);
        Line("chat template", summary.ChatTemplate is { } template
            ? $"yes, {template.Length:N0} characters; first line: {Quoted(template.FirstLine, 60)}"
            : "no");

        text.Append("engine\n");
        Line("runnable", summary.Runnable ? "yes" : "no");
        foreach (var reason in summary.UnsupportedReasons) text.Append(CultureInfo.InvariantCulture, $"    {reason}\n");
        return text.ToString();
    }

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Number(double? value) => value?.ToString("G6", CultureInfo.InvariantCulture).ToLowerInvariant();

    private static string? PerLayer(IReadOnlyList<long>? values) =>
        values is null || values.Count == 0 ? null
        : values.All(v => v == values[0]) ? values[0].ToString(CultureInfo.InvariantCulture)
        : $"{string.Join(", ", values)} (per layer)";

    private static string Rope(RopeSummary rope)
    {
        var parts = new List<string>();
        if (rope.DimensionCount is { } dimensions) parts.Add($"{dimensions} dims");
        if (rope.FrequencyBase is { } frequencyBase) parts.Add($"base {Number(frequencyBase)}");
        if (rope.ScalingType is { } scaling) parts.Add($"scaling {scaling}{(rope.ScalingFactor is { } factor ? " ×" + Number(factor) : "")}");
        return parts.Count == 0 ? "defaults" : string.Join(", ", parts);
    }

    private static string? Token(long? id, string? text) =>
        id is null ? null : text is null ? $"{id} (not in the vocabulary)" : $"{id} {Quoted(text, 40)}";

    private static string Quoted(string text, int limit)
    {
        var shown = text.Length > limit ? text[..limit] + "…" : text;
        return "\"" + shown.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string Scaled(long count) => count switch
    {
        >= 1_000_000_000 => (count / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (count / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (count / 1e3).ToString("F2", CultureInfo.InvariantCulture) + " K",
        _ => count.ToString(CultureInfo.InvariantCulture),
    };

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("F2", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("F2", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
