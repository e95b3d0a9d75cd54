using System.Globalization;
using System.Text;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Client.Tests.Autostart;

/// <summary>
/// toast with no daemon running: it starts toasted (the one beside it) on the model the environment
/// names, waits for the socket and answers; <c>--no-autostart</c> refuses with exit 3; concurrent toasts
/// start exactly one daemon. Each test has its own socket, HOME and log, and stops what was started.
/// </summary>
public class AutostartTests
{
    private string _folder = null!;
    private string _socketPath = null!;

    [SetUp]
    public void CreateFolder()
    {
        if (!Directory.Exists("/proc/self")) Assert.Ignore("these tests find the started daemons in /proc");
        _folder = Directory.CreateTempSubdirectory("toast-autostart-").FullName;
        _socketPath = Path.Combine(_folder, "run", "toasted.sock");
    }

    [TearDown]
    public async Task StopDaemonsAsync()
    {
        if (_folder is null) return;
        await DaemonsOnSocket.StopAllAsync(_socketPath);
        Directory.Delete(_folder, recursive: true);
    }

    private string LogFile => Path.Combine(_folder, "state", "toasted", "toasted.log");

    private Dictionary<string, string?> Environment(string? model) => new()
    {
        ["TOASTED_SOCKET"] = _socketPath,
        ["TOASTED_MODEL"] = model,
        ["TOASTED_CONTEXT"] = "1024",
        ["TOASTED_THREADS"] = "1",
        ["TOASTED_CONFIG"] = null,
        ["TOASTED_LOG_FILE"] = null,
        ["TOASTED_FALLBACK_MODEL"] = null,
        ["TOAST_NO_AUTOSTART"] = null,
        ["HOME"] = _folder,
        ["XDG_CONFIG_HOME"] = Path.Combine(_folder, "config"),
        ["XDG_STATE_HOME"] = Path.Combine(_folder, "state"),
    };

    private static string[] GreedyStory(int tokens) => ["--raw", "-t", "0", "-n", tokens.ToString(CultureInfo.InvariantCulture), StoriesGolden.OnceUponATime.Prompt];

    [Test]
    public async Task With_no_daemon_toast_starts_one_on_the_configured_model_and_answers()
    {
        var golden = StoriesGolden.OnceUponATime;
        var steps = Math.Min(16, golden.ComparableSteps);

        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, GreedyStory(steps), environment: Environment(SharedKit.Require(StoriesGolden.ModelFile)),
            timeout: TimeSpan.FromSeconds(120));

        Assert.That(result.ExitCode, Is.EqualTo(0), result + "\nlog:\n" + ReadLog());
        Assert.That(result.StdoutText, Is.EqualTo(golden.StreamedText(steps)));
        Assert.That(result.Stderr, Is.Empty, "progress is shown only when stderr is a terminal");
        Assert.That(DaemonsOnSocket.Find(_socketPath), Has.Count.EqualTo(1), "the daemon keeps running after toast exits");
        Assert.That(ReadLog(), Does.Contain("listening on " + _socketPath), "the daemon's output goes to the log file");

        // The next toast finds it running and starts nothing.
        var second = await ProcessRun.RunAsync(BuiltBinaries.Toast, GreedyStory(4), environment: Environment(SharedKit.Require(StoriesGolden.ModelFile)));
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(CountOccurrences(ReadLog(), "listening on " + _socketPath), Is.EqualTo(1));
    }

    [Test]
    public async Task No_autostart_by_flag_or_environment_exits_3_and_starts_nothing()
    {
        var environment = Environment(SharedKit.Require(StoriesGolden.ModelFile));
        var byFlag = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["--no-autostart", .. GreedyStory(4)], environment: environment);
        environment["TOAST_NO_AUTOSTART"] = "1";
        var byEnvironment = await ProcessRun.RunAsync(BuiltBinaries.Toast, GreedyStory(4), environment: environment);

        Assert.That(byFlag.ExitCode, Is.EqualTo(3), byFlag.ToString());
        Assert.That(byFlag.Stderr, Does.Contain("not running"));
        Assert.That(byEnvironment.ExitCode, Is.EqualTo(3), byEnvironment.ToString());
        Assert.That(DaemonsOnSocket.Find(_socketPath), Is.Empty);
        Assert.That(File.Exists(LogFile), Is.False);
    }

    [Test]
    public async Task Four_concurrent_toasts_with_no_daemon_start_exactly_one_and_all_answer()
    {
        var golden = StoriesGolden.OnceUponATime;
        var environment = Environment(SharedKit.Require(StoriesGolden.ModelFile));
        var runs = Enumerable.Range(0, 4)
            .Select(_ => ProcessRun.RunAsync(BuiltBinaries.Toast, GreedyStory(8), environment: environment, timeout: TimeSpan.FromSeconds(120)))
            .ToList();
        var results = await Task.WhenAll(runs);

        foreach (var result in results)
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result + "\nlog:\n" + ReadLog());
            Assert.That(result.StdoutText, Is.EqualTo(golden.StreamedText(8)));
        }
        Assert.That(DaemonsOnSocket.Find(_socketPath), Has.Count.EqualTo(1));
        Assert.That(CountOccurrences(ReadLog(), "listening on " + _socketPath), Is.EqualTo(1), "one daemon started: " + ReadLog());
        Assert.That(ReadLog(), Does.Not.Contain("already serving"), "no second daemon even tried");
    }

    [Test]
    public async Task With_no_model_configured_toast_exits_3_with_the_daemons_reason()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, GreedyStory(4), environment: Environment(model: null));

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stderr, Does.Contain("could not start toasted").And.Contain("no model").And.Contain(LogFile));
        Assert.That(DaemonsOnSocket.Find(_socketPath), Is.Empty);
    }

    [Test]
    public async Task SIGTERM_to_a_started_daemon_mid_generation_ends_the_answer_and_the_daemon_cleanly()
    {
        var environment = Environment(SharedKit.Require(StoriesGolden.ModelFile));
        using var toast = ProcessRun.Start(BuiltBinaries.Toast, GreedyStory(900), environment: environment);
        await toast.FirstOutput.WaitAsync(TimeSpan.FromSeconds(60));
        var daemon = DaemonsOnSocket.Find(_socketPath).Single();

        PosixSignals.Send(daemon, PosixSignals.SIGTERM);
        var result = await toast.WaitAsync(TimeSpan.FromSeconds(30));

        // Cancelled by the stop (exit 3, the daemon is going away) or, on a fast machine, done just before it.
        Assert.That(result.ExitCode, Is.AnyOf(0, 3), result.ToString());
        if (result.ExitCode == 3) Assert.That(result.Stderr, Does.Contain("cancelled"));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (DaemonsOnSocket.Find(_socketPath).Count > 0 && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
        Assert.That(DaemonsOnSocket.Find(_socketPath), Is.Empty, ReadLog());
        Assert.That(File.Exists(_socketPath), Is.False, "the socket file is removed");
        Assert.That(ReadLog(), Does.Contain("stopped listening; socket removed"));
    }

    private string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile, Encoding.UTF8) : "(no log file)";

    private static int CountOccurrences(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
