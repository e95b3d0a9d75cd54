using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Toasted.Benchmarks;

/// <summary>
/// Runs `toasted bench` and llama.cpp's llama-bench alternately on the same GGUF files and thread
/// count, and prints both with the ratio toasted / llama.cpp per test, beside the machine's
/// read-bandwidth ceiling for decode. Each test runs the engines in rounds: toasted then llama.cpp, and
/// in the next round llama.cpp then toasted (ABBA), each run with the given repetitions, and an engine's
/// figure is the mean and deviation of all its samples. A shared machine's speed drifts within minutes
/// and falls into slow phases of tens of seconds; with one run each, a slow phase during one engine's run
/// decided a row, while with the order mirrored a steady drift falls on both alike and one phase weighs half.
/// The read bandwidth drifts too, by a third within a few minutes on a cloud VM, so it is measured for a
/// second before, between and after the runs of a decode test, and each engine is held to the
/// measurements next to its own runs: its ceiling is the fastest pass among them (what the memory did at
/// its best moment), and beside it their mean rate (what it sustained), which is the bound for a mean over
/// a run when the machine's bandwidth swings within a second.
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

    /// <summary>The read rate next to an engine's runs: the fastest pass of the measurements, their mean rate.</summary>
    private static ReadRate Around(IReadOnlyList<ReadRate> measurements) =>
        new(measurements.Max(m => m.Best), measurements.Average(m => m.Mean));

    /// <summary>Runs in the order of ABBA rounds: round k runs toasted first when k is even.</summary>
    private static IEnumerable<bool> Order(int rounds) =>
        Enumerable.Range(0, rounds).SelectMany(k => k % 2 == 0 ? new[] { true, false } : [false, true]);

    public static int Run(string toasted, string llamaBench, IReadOnlyList<string> models, int threads, int repetitions, TextWriter output, int rounds = 2)
    {
        var tests = new (string Prompt, string Generate, string Depth)[] { ("512", "0", "0"), ("0", "128", "0"), ("0", "128", "1024") };
        var rows = new List<Row>();
        using var reader = new ReadBandwidth(threads);
        foreach (var model in models)
        {
            foreach (var (prompt, generate, depth) in tests)
            {
                var decode = generate != "0";
                string[] Arguments() => ["-m", model, "-p", prompt, "-n", generate, "-d", depth, "-t", threads.ToString(CultureInfo.InvariantCulture),
                    "-r", repetitions.ToString(CultureInfo.InvariantCulture), "-o", "json"];
                var ours = new List<double>();
                var theirs = new List<double>();
                // Measurement i is taken before run i; an engine is held to the measurements on either side of its runs.
                var measurements = new List<ReadRate> { decode ? reader.Measure() : default };
                var oursNext = new SortedSet<int>();
                var theirsNext = new SortedSet<int>();
                foreach (var toastedRuns in Order(rounds))
                {
                    if (toastedRuns) ours.AddRange(RunJson(toasted, ["bench", .. Arguments()]));
                    else theirs.AddRange(RunJson(llamaBench, Arguments()));
                    var neighbours = toastedRuns ? oursNext : theirsNext;
                    neighbours.Add(measurements.Count - 1);
                    neighbours.Add(measurements.Count);
                    measurements.Add(decode ? reader.Measure() : default);
                }
                var oursBandwidth = oursNext.Select(i => measurements[i]).ToList();
                var theirsBandwidth = theirsNext.Select(i => measurements[i]).ToList();
                var test = prompt != "0" ? $"pp{prompt}" : $"tg{generate}" + (depth != "0" ? $" @ d{depth}" : "");
                var bytesPerToken = decode ? DecodeTraffic.Of(model).BytesPerToken(int.Parse(depth, CultureInfo.InvariantCulture), int.Parse(generate, CultureInfo.InvariantCulture)) : 0;
                var (oursMean, oursStd) = MeanAndDeviation(ours);
                var (theirsMean, theirsStd) = MeanAndDeviation(theirs);
                rows.Add(new Row(Path.GetFileName(model), test, oursMean, oursStd, theirsMean, theirsStd,
                    decode ? Around(oursBandwidth) : default, decode ? Around(theirsBandwidth) : default, bytesPerToken));
                output.WriteLine($"{Path.GetFileName(model)} {test}: toasted {oursMean:F2} t/s, llama.cpp {theirsMean:F2} t/s");
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
            $"threads: {threads}, rounds: {rounds} (ABBA) of {repetitions} repetitions each, read bandwidth ({threads} threads) around the decode tests: {range}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
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

    /// <summary>Mean and sample standard deviation, as llama-bench reports them.</summary>
    private static (double Mean, double Deviation) MeanAndDeviation(IReadOnlyList<double> samples)
    {
        var mean = samples.Average();
        var deviation = samples.Count > 1 ? Math.Sqrt(samples.Sum(x => (x - mean) * (x - mean)) / (samples.Count - 1)) : 0;
        return (mean, deviation);
    }

    /// <summary>The tokens-per-second samples of one benchmark run (llama-bench's <c>samples_ts</c>).</summary>
    private static IReadOnlyList<double> RunJson(string executable, IEnumerable<string> arguments)
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
        return row.GetProperty("samples_ts").EnumerateArray().Select(x => x.GetDouble()).ToList();
    }
}
