using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Client.Tests;

/// <summary>
/// The real toast against a real toasted on stories260K: what reaches stdout must be llama.cpp's
/// greedy continuation byte for byte, and the exit codes must say what happened.
/// </summary>
public class ToastEndToEndTests
{
    private const int Context = 1024;
    private DaemonProcess _daemon = null!;

    [OneTimeSetUp]
    public async Task StartDaemonAsync() =>
        _daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ["--context", "1024", "--threads", "1"]);

    [OneTimeTearDown]
    public async Task StopDaemonAsync()
    {
        if (_daemon is not null) await _daemon.DisposeAsync();
    }

    public static IEnumerable<TestCaseData> GoldenPrompts() =>
        StoriesGolden.Load().Select(prompt => new TestCaseData(prompt).SetArgDisplayNames(prompt.Prompt));

    private Dictionary<string, string?> Environment => new() { ["TOASTED_SOCKET"] = _daemon.SocketPath };

    [Test]
    public async Task Piped_raw_prompt_prints_llama_cpp_greedy_continuation()
    {
        var golden = StoriesGolden.OnceUponATime;
        var steps = golden.ComparableSteps;
        var result = await ToastAsync(["--raw", "-t", "0", "-n", steps.ToString(System.Globalization.CultureInfo.InvariantCulture)], Encoding.UTF8.GetBytes(golden.Prompt));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdoutText, Is.EqualTo(golden.StreamedText(steps)));
        Assert.That(result.Stderr, Is.Empty);
    }

    [TestCaseSource(nameof(GoldenPrompts))]
    public async Task Raw_instruction_with_empty_stdin_prints_llama_cpp_greedy_continuation(GoldenPrompt golden)
    {
        var steps = golden.ComparableSteps;
        var result = await ToastAsync(["--raw", "-t", "0", "-n", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), golden.Prompt], stdin: null);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdoutText, Is.EqualTo(golden.StreamedText(steps)));
    }

    [Test]
    public async Task Raw_prompt_is_system_instruction_and_input_joined_by_blank_lines()
    {
        var parts = await ToastAsync(["--raw", "-t", "0", "-n", "24", "-s", "Once upon a time", "there was a dog"], Encoding.UTF8.GetBytes("He liked to run."));
        var joined = await ToastAsync(["--raw", "-t", "0", "-n", "24", "Once upon a time\n\nthere was a dog\n\nHe liked to run."], stdin: null);

        Assert.That(parts.ExitCode, Is.EqualTo(0), parts.ToString());
        Assert.That(parts.StdoutText, Is.Not.Empty);
        Assert.That(parts.StdoutText, Is.EqualTo(joined.StdoutText));
    }

    [Test]
    public async Task A_stop_string_ends_the_output_before_it()
    {
        var golden = StoriesGolden.OnceUponATime;
        var full = golden.StreamedText(golden.ComparableSteps);
        var result = await ToastAsync(["--raw", "-t", "0", "-n", "64", "--stop", " Lily", golden.Prompt], stdin: null);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdoutText, Is.EqualTo(full[..full.IndexOf(" Lily", StringComparison.Ordinal)]));
    }

    [Test]
    public async Task Json_output_is_one_object_with_text_and_usage()
    {
        var golden = StoriesGolden.OnceUponATime;
        var result = await ToastAsync(["--raw", "-t", "0", "-n", "16", "--json", golden.Prompt], stdin: null);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("text").GetString(), Is.EqualTo(golden.StreamedText(16)));
        Assert.That(root.GetProperty("stop_reason").GetString(), Is.EqualTo("max_tokens"));
        Assert.That(root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), Is.EqualTo(golden.TokenIds.Length));
        Assert.That(root.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), Is.EqualTo(16));
        Assert.That(root.GetProperty("timings").GetProperty("decode_ms").GetDouble(), Is.GreaterThan(0));
        Assert.That(result.StdoutText.TrimEnd('\n'), Does.Not.Contain("\n"), "one line");
    }

    [Test]
    public async Task Input_too_long_for_the_context_exits_5_with_the_numbers()
    {
        var result = await ToastAsync(["--raw", "-n", "5000", "Once upon a time"], stdin: null);

        Assert.That(result.ExitCode, Is.EqualTo(5), result.ToString());
        Assert.That(result.Stderr, Does.Contain("context_length=1024").And.Contain("prompt_tokens=5").And.Contain("requested_tokens=5000"));
        Assert.That(result.Stdout, Is.Empty);
    }

    [Test]
    public async Task Asking_for_a_model_the_daemon_does_not_serve_exits_6()
    {
        var result = await ToastAsync(["-m", "mistral-7b.gguf", "--raw", "-n", "4", "Once"], stdin: null);
        Assert.That(result.ExitCode, Is.EqualTo(6), result.ToString());
        Assert.That(result.Stderr, Does.Contain("model_unavailable").And.Contain("stories260K.gguf"));
    }

    [Test]
    public async Task SIGINT_during_a_long_generation_exits_130_and_the_daemon_serves_the_next_request()
    {
        using (var run = ProcessRun.Start(BuiltBinaries.Toast, ["--raw", "-t", "0", "-n", "900", "Once upon a time"], stdin: null, environment: Environment))
        {
            await run.FirstOutput.WaitAsync(TimeSpan.FromSeconds(60));
            PosixSignals.Send(run.ProcessId, PosixSignals.SIGINT);
            var interrupted = await run.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.That(interrupted.ExitCode, Is.EqualTo(130), interrupted.ToString());
            Assert.That(() => interrupted.StdoutText, Throws.Nothing, "what was printed is valid UTF-8");
        }

        var golden = StoriesGolden.OnceUponATime;
        var next = await ToastAsync(["--raw", "-t", "0", "-n", "16", golden.Prompt], stdin: null);
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(next.StdoutText, Is.EqualTo(golden.StreamedText(16)));
    }

    [Test]
    public async Task Parallel_clients_as_from_xargs_P_all_get_complete_correct_answers()
    {
        var prompts = StoriesGolden.Load();
        var runs = prompts.Select(golden => ToastAsync(["--raw", "-t", "0", "-n", "32", golden.Prompt], stdin: null)).ToArray();
        var results = await Task.WhenAll(runs);

        for (var index = 0; index < prompts.Count; index++)
        {
            Assert.That(results[index].ExitCode, Is.EqualTo(0), results[index].ToString());
            Assert.That(results[index].StdoutText, Is.EqualTo(prompts[index].StreamedText(32)), prompts[index].Prompt);
        }
    }

    private Task<ProcessResult> ToastAsync(string[] arguments, byte[]? stdin) =>
        ProcessRun.RunAsync(BuiltBinaries.Toast, arguments, stdin, Environment, TimeSpan.FromSeconds(120));
}
