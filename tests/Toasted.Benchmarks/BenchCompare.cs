using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Toasted.Benchmarks;

/// <summary>
/// Runs `toasted bench` and llama.cpp's llama-bench alternately on the same GGUF files and thread
/// count, and prints both with the ratio toasted / llama.cpp per test, beside the machine's
/// read-bandwidth ceiling for decode. Alternating (toasted, llama.cpp, toasted, …) per test keeps
/// slow drifts of the machine (thermals, other load) from favouring either side.
/// </summary>
public static class BenchCompare
{
    public sealed record Row(string Model, string Test, double Toasted, double ToastedStd, double Peer, double PeerStd, long ModelBytes)
    {
        public double Ratio => Toasted / Peer;
    }

    public static int Run(string toasted, string llamaBench, IReadOnlyList<string> models, int threads, int repetitions, TextWriter output)
    {
        var tests = new (string Prompt, string Generate, string Depth)[] { ("512", "0", "0"), ("0", "128", "0"), ("0", "128", "1024") };
        var rows = new List<Row>();
        foreach (var model in models)
        {
            foreach (var (prompt, generate, depth) in tests)
            {
                string[] Arguments() => ["-m", model, "-p", prompt, "-n", generate, "-d", depth, "-t", threads.ToString(CultureInfo.InvariantCulture),
                    "-r", repetitions.ToString(CultureInfo.InvariantCulture), "-o", "json"];
                var ours = RunJson(toasted, ["bench", .. Arguments()]);
                var theirs = RunJson(llamaBench, Arguments());
                var test = prompt != "0" ? $"pp{prompt}" : $"tg{generate}" + (depth != "0" ? $" @ d{depth}" : "");
                rows.Add(new Row(Path.GetFileName(model), test, ours.Average, ours.Std, theirs.Average, theirs.Std, new FileInfo(model).Length));
                output.WriteLine($"{Path.GetFileName(model)} {test}: toasted {ours.Average:F2} t/s, llama.cpp {theirs.Average:F2} t/s");
            }
        }

        var bandwidth = ReadBandwidth.MeasureGigabytesPerSecond(threads);
        output.WriteLine();
        output.WriteLine($"threads: {threads}, repetitions: {repetitions}, read bandwidth ({threads} threads): {bandwidth:F1} GB/s, {DateTime.UtcNow:yyyy-MM-dd}");
        output.WriteLine();
        output.WriteLine("| model | test | toasted t/s | llama.cpp t/s | ratio | decode ceiling t/s | toasted % of ceiling |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            // Decode reads every weight once per token: bandwidth / model bytes bounds tokens per second.
            var ceiling = bandwidth * 1e9 / row.ModelBytes;
            var isDecode = row.Test.StartsWith("tg", StringComparison.Ordinal);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Model} | {row.Test} | {row.Toasted:F2} ± {row.ToastedStd:F2} | {row.Peer:F2} ± {row.PeerStd:F2} | {row.Ratio:F2} | {(isDecode ? ceiling.ToString("F1", CultureInfo.InvariantCulture) : "")} | {(isDecode ? (100 * row.Toasted / ceiling).ToString("F0", CultureInfo.InvariantCulture) + " %" : "")} |"));
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
