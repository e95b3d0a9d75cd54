using System.Text.Json;
using Toasted.Tests.Shared;

namespace Toasted.Engine.Tests.Evaluation;

/// <summary>
/// llama-perplexity's figures for stories260K over the kit's perplexity text
/// (<c>corpus/real/stories260K.perplexity.json</c>): per context length, the running estimate
/// after each chunk and the final line as it printed them.
/// </summary>
public sealed record LlamaPerplexityGolden(int ContextLength, IReadOnlyList<double> RunningPerplexity, double Perplexity, double Uncertainty)
{
    public const string ModelFile = "corpus/real/stories260K.gguf";
    public const string TextFile = "corpus/real/perplexity-text.txt";
    public const string GoldenFile = "corpus/real/stories260K.perplexity.json";

    /// <summary>Agreement asked of us: 0.1 % of the value, on top of the half unit of the last printed digit.</summary>
    public static double Tolerance(double value, int printedDecimals) => Math.Abs(value) * 1e-3 + 0.5 * Math.Pow(10, -printedDecimals);

    public static LlamaPerplexityGolden Load(int contextLength)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedKit.Require(GoldenFile)));
        foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            if (result.GetProperty("n_ctx").GetInt32() != contextLength) continue;
            var running = result.GetProperty("running_ppl").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var final = ParseFinalLine(result.GetProperty("final").GetString()!)
                ?? throw new InvalidDataException($"unexpected final line in {GoldenFile}");
            return new LlamaPerplexityGolden(contextLength, running, final.Perplexity, final.Uncertainty);
        }
        throw new InvalidDataException($"{GoldenFile} has no result for n_ctx {contextLength}");
    }

    /// <summary>Reads <c>Final estimate: PPL = X +/- Y</c>; null when the line is not in that form.</summary>
    public static (double Perplexity, double Uncertainty)? ParseFinalLine(string line)
    {
        var match = System.Text.RegularExpressions.Regex.Match(line, @"^Final estimate: PPL = (\d+\.\d{4}) \+/- (\d+\.\d{5})$");
        if (!match.Success) return null;
        return (double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
