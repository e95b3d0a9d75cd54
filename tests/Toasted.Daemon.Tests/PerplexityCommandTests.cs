using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Toasted.Engine.Tests.Evaluation;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>`toasted perplexity` run as a process: llama-perplexity's figures, in llama-perplexity's lines.</summary>
public partial class PerplexityCommandTests
{
    [GeneratedRegex(@"^(\[(\d+)\](\d+\.\d{4}),)+$")]
    private static partial Regex RunningLine();

    [TestCase(128)]
    [TestCase(256)]
    public async Task Output_reproduces_llama_perplexity_lines_and_figures(int contextLength)
    {
        var golden = LlamaPerplexityGolden.Load(contextLength);
        var context = contextLength.ToString(CultureInfo.InvariantCulture);
        // The command llama-perplexity was run with (see the golden file).
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted,
            ["perplexity", "-m", SharedKit.Require(LlamaPerplexityGolden.ModelFile), "-f", SharedKit.Require(LlamaPerplexityGolden.TextFile),
             "-c", context, "-b", context, "-t", "2"],
            timeout: TimeSpan.FromMinutes(3));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());

        var lines = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), result.ToString());
        var running = RunningLine().Match(lines[0]);
        Assert.That(running.Success, $"running line not in llama-perplexity's [n]x.xxxx, form: {lines[0]}");
        var numbers = running.Groups[2].Captures.Select(c => int.Parse(c.Value, CultureInfo.InvariantCulture)).ToArray();
        var values = running.Groups[3].Captures.Select(c => double.Parse(c.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(numbers, Is.EqualTo(Enumerable.Range(1, golden.RunningPerplexity.Count)));
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(values[i], Is.EqualTo(golden.RunningPerplexity[i]).Within(LlamaPerplexityGolden.Tolerance(golden.RunningPerplexity[i], 4)),
                $"[{i + 1}]");
        }

        var final = LlamaPerplexityGolden.ParseFinalLine(lines[1]);
        Assert.That(final, Is.Not.Null, $"final line not in llama-perplexity's form: {lines[1]}");
        Assert.That(final!.Value.Perplexity, Is.EqualTo(golden.Perplexity).Within(LlamaPerplexityGolden.Tolerance(golden.Perplexity, 4)));
        Assert.That(final.Value.Uncertainty, Is.EqualTo(golden.Uncertainty).Within(LlamaPerplexityGolden.Tolerance(golden.Uncertainty, 5)));
    }

    [Test]
    public async Task A_missing_text_file_is_a_usage_error()
    {
        var result = await RunAsync("-m", SharedKit.Require(LlamaPerplexityGolden.ModelFile), "-f", "/nonexistent/text.txt");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("/nonexistent/text.txt"));
    }

    [Test]
    public async Task A_missing_model_file_is_a_usage_error()
    {
        var result = await RunAsync("-m", "/nonexistent/model.gguf", "-f", SharedKit.Require(LlamaPerplexityGolden.TextFile));
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("/nonexistent/model.gguf"));
    }

    [Test]
    public async Task Without_a_text_file_it_is_a_usage_error()
    {
        var result = await RunAsync("-m", SharedKit.Require(LlamaPerplexityGolden.ModelFile));
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("-f"));
    }

    [TestCase("1")]
    [TestCase("2")]
    public async Task A_context_too_small_to_score_a_token_is_a_usage_error(string contextLength)
    {
        var result = await RunAsync("-m", SharedKit.Require(LlamaPerplexityGolden.ModelFile), "-f", SharedKit.Require(LlamaPerplexityGolden.TextFile), "-c", contextLength);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("at least 3"));
        Assert.That(result.Stdout, Is.Empty);
    }

    [Test]
    public async Task A_context_longer_than_half_the_text_is_a_usage_error_naming_the_token_counts()
    {
        var result = await RunAsync("-m", SharedKit.Require(LlamaPerplexityGolden.ModelFile), "-f", SharedKit.Require(LlamaPerplexityGolden.TextFile), "-c", "1024");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("2048"));
        Assert.That(result.Stdout, Is.Empty);
    }

    [TestCase("-c", "zero")]
    [TestCase("-b", "0")]
    [TestCase("--chunks", "-1")]
    [TestCase("--unknown", "1")]
    public async Task Malformed_flags_are_usage_errors(string flag, string value)
    {
        var result = await RunAsync("-m", SharedKit.Require(LlamaPerplexityGolden.ModelFile), "-f", SharedKit.Require(LlamaPerplexityGolden.TextFile), flag, value);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain(flag));
    }

    [Test]
    public async Task A_file_that_is_not_gguf_fails_with_the_format_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"toasted-ppl-not-gguf-{Environment.ProcessId}.gguf");
        await File.WriteAllTextAsync(path, "this is not a model");
        try
        {
            var result = await RunAsync("-m", path, "-f", SharedKit.Require(LlamaPerplexityGolden.TextFile));
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain("invalid GGUF"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRun.RunAsync(BuiltBinaries.Toasted, ["perplexity", .. arguments]);
}
