using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Toasted.Benchmarks;

/// <summary>
/// Runs `toasted bench` and llama.cpp's llama-bench alternately on the same GGUF files and thread
/// count, and prints both with the ratio toasted / llama.cpp per test, beside the machine's
/// read-bandwidth ceiling for decode. Each test runs toasted, then llama.cpp, so slow drifts of the
/// machine (thermals, other load) fall on both sides alike from test to test. The read bandwidth of a
/// shared machine drifts too, by a third within a few minutes on a cloud VM, so it is measured for a
/// second right before, between and right after the two runs of a decode test, and each engine is held
/// to the measurements around its own run: its ceiling is the fastest pass of either (what the memory
/// did at its best moment), and beside it the mean rate of both (what it sustained), which is the bound
/// for a mean over a run when the machine's bandwidth swings within a second.
/// </summary>
public static class BenchCompare
{
    /// <param name="Bandwidth">Read rate around toasted's run of a decode test, default for prefill.</param>
    /// <param name="PeerBandwidth">Read rate around llama.cpp's run, default for prefill.</param>
    /// <param name="BytesPerToken">What one decode token reads (<see cref="DecodeTraffic"/>), 0 for prefill.</param>
    public sealed record Row(string Model, string Test, double Toasted, double ToastedStd, double Peer, double PeerStd,
        ReadRate Bandwidth, ReadRate PeerBandwidth, double BytesPerToken)
    {
        public double Ratio => Toasted / Peer;

        /// <summary>Decode tokens per second the fastest read around toasted's run allows; 0 for prefill.</summary>
        public double Ceiling => CeilingAt(Bandwidth.Best);

        /// <summary>The same around llama.cpp's run.</summary>
        public double PeerCeiling => CeilingAt(PeerBandwidth.Best);

        /// <summary>Tokens per second <paramref name="gigabytesPerSecond"/> allows; 0 for prefill.</summary>
        public double CeilingAt(double gigabytesPerSecond) => BytesPerToken > 0 ? gigabytesPerSecond * 1e9 / BytesPerToken : 0;
    }

    private static ReadRate Around(ReadRate first, ReadRate second) => new(Math.Max(first.Best, second.Best), (first.Mean + second.Mean) / 2);

    public static int Run(string toasted, string llamaBench, IReadOnlyList<string> models, int threads, int repetitions, TextWriter output)
    {
        var tests = new (string Prompt, string Generate, string Depth)[] { ("512", "0", "0"), ("0", "128", "0"), ("0", "128", "1024") };
        var rows = new List<Row>();
        using var reader = new ReadBandwidth(threads);
        foreach (var model in models)
        {
            foreach (var (prompt, generate, depth) in tests)
            {
                var decode = generate != "0";
                var before = decode ? reader.Measure() : default;
                string[] Arguments() => ["-m", model, "-p", prompt, "-n", generate, "-d", depth, "-t", threads.ToString(CultureInfo.InvariantCulture),
                    "-r", repetitions.ToString(CultureInfo.InvariantCulture), "-o", "json"];
                var ours = RunJson(toasted, ["bench", .. Arguments()]);
                var between = decode ? reader.Measure() : default;
                var theirs = RunJson(llamaBench, Arguments());
                var test = prompt != "0" ? $"pp{prompt}" : $"tg{generate}" + (depth != "0" ? $" @ d{depth}" : "");
                var after = decode ? reader.Measure() : default;
                var bytesPerToken = decode ? DecodeTraffic.Of(model).BytesPerToken(int.Parse(depth, CultureInfo.InvariantCulture), int.Parse(generate, CultureInfo.InvariantCulture)) : 0;
                rows.Add(new Row(Path.GetFileName(model), test, ours.Average, ours.Std, theirs.Average, theirs.Std,
                    Around(before, between), Around(between, after), bytesPerToken));
                output.WriteLine($"{Path.GetFileName(model)} {test}: toasted {ours.Average:F2} t/s, llama.cpp {theirs.Average:F2} t/s");
            }
        }

        var decodeRows = rows.Where(r => r.Ceiling > 0).ToList();
        output.WriteLine();
        var range = decodeRows.Count > 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"fastest pass {decodeRows.Min(r => Math.Min(r.Bandwidth.Best, r.PeerBandwidth.Best)):F1}–{decodeRows.Max(r => Math.Max(r.Bandwidth.Best, r.PeerBandwidth.Best)):F1} GB/s, " +
                $"mean {decodeRows.Min(r => Math.Min(r.Bandwidth.Mean, r.PeerBandwidth.Mean)):F1}–{decodeRows.Max(r => Math.Max(r.Bandwidth.Mean, r.PeerBandwidth.Mean)):F1} GB/s")
            : "not measured";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threads: {threads}, repetitions: {repetitions}, read bandwidth ({threads} threads) around the decode tests: {range}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        output.WriteLine("decode ceiling = fastest read pass around the engine's run / bytes a token reads (weights it touches + F16 KV it attends to);");
        output.WriteLine("in brackets, the same against the mean read rate around the run (what the memory sustained)");
        output.WriteLine();
        output.WriteLine("| model | test | toasted t/s | llama.cpp t/s | ratio | MB per token | GB/s around toasted (mean) | around llama.cpp (mean) | toasted % of ceiling (of mean) | llama.cpp % of ceiling (of mean) |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var speeds = string.Create(CultureInfo.InvariantCulture,
                $"| {row.Model} | {row.Test} | {row.Toasted:F2} ± {row.ToastedStd:F2} | {row.Peer:F2} ± {row.PeerStd:F2} | {row.Ratio:F2} |");
            var ceiling = string.Create(CultureInfo.InvariantCulture,
                $" {row.BytesPerToken / 1e6:F0} | {row.Bandwidth.Best:F1} ({row.Bandwidth.Mean:F1}) | {row.PeerBandwidth.Best:F1} ({row.PeerBandwidth.Mean:F1}) |" +
                $" {100 * row.Toasted / row.Ceiling:F0} % ({100 * row.Toasted / row.CeilingAt(row.Bandwidth.Mean):F0} %) |" +
                $" {100 * row.Peer / row.PeerCeiling:F0} % ({100 * row.Peer / row.CeilingAt(row.PeerBandwidth.Mean):F0} %) |");
            output.WriteLine(speeds + (row.Ceiling > 0 ? ceiling : "  |  |  |  |  |"));
        }
        return 0;
    }

    private static (double Average, double Std) RunJson(string executable, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{executable} failed ({process.ExitCode}): {stderr.Result}");
        using var doc = JsonDocument.Parse(stdout);
        var row = doc.RootElement.EnumerateArray().Single();
        return (row.GetProperty("avg_ts").GetDouble(), row.GetProperty("stddev_ts").GetDouble());
    }
}
