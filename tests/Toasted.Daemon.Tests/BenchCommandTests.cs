using System.Text.Json;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>`toasted bench` must produce rows that compare one to one with llama-bench's.</summary>
public class BenchCommandTests
{
    [Test]
    public async Task Json_rows_carry_llama_bench_fields_and_consistent_statistics()
    {
        var model = SharedKit.Require("corpus/real/stories260K.gguf");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted,
            ["bench", "-m", model, "-p", "32", "-n", "8", "-d", "0,16", "-r", "3", "-t", "1", "-o", "json"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());

        using var doc = JsonDocument.Parse(result.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToArray();
        // llama-bench's order: per depth, the prompt tests, then the generation tests.
        Assert.That(rows.Select(r => (r.GetProperty("n_prompt").GetInt32(), r.GetProperty("n_gen").GetInt32(), r.GetProperty("n_depth").GetInt32())),
            Is.EqualTo(new[] { (32, 0, 0), (0, 8, 0), (32, 0, 16), (0, 8, 16) }));
        foreach (var row in rows)
        {
            Assert.That(row.GetProperty("n_threads").GetInt32(), Is.EqualTo(1));
            var samples = row.GetProperty("samples_ts").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var nanoseconds = row.GetProperty("samples_ns").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.That(samples, Has.Length.EqualTo(3));
            Assert.That(samples, Is.All.GreaterThan(0));
            var tokens = row.GetProperty("n_prompt").GetInt32() + row.GetProperty("n_gen").GetInt32();
            // Each sample is tokens over its own time, and avg_ts is the mean of the samples (not tokens over mean time).
            for (int i = 0; i < samples.Length; i++)
                Assert.That(samples[i], Is.EqualTo(tokens * 1e9 / nanoseconds[i]).Within(1e-6).Percent);
            Assert.That(row.GetProperty("avg_ts").GetDouble(), Is.EqualTo(samples.Average()).Within(1e-9).Percent);
            Assert.That(row.GetProperty("model_size").GetInt64(), Is.EqualTo(new FileInfo(model).Length));
        }
    }

    [Test]
    public async Task Bench_without_a_model_is_a_usage_error()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["bench", "-p", "8"]);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain("-m"));
    }
}
