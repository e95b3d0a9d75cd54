using System.Text.Json;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Client.Tests;

/// <summary><c>toast status</c> against a real daemon: the printed snapshot, its JSON, the exit codes, and
/// <c>--watch</c> following another client's request until SIGINT.</summary>
public class ToastStatusTests
{
    private DaemonProcess _daemon = null!;

    [OneTimeSetUp]
    public async Task StartDaemonAsync() =>
        _daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ["--context", "1024", "--threads", "1"]);

    [OneTimeTearDown]
    public async Task StopDaemonAsync()
    {
        if (_daemon is not null) await _daemon.DisposeAsync();
    }

    private Dictionary<string, string?> Environment => new() { ["TOASTED_SOCKET"] = _daemon.SocketPath };

    [Test]
    public async Task Status_of_a_ready_daemon_prints_aligned_fields_and_exits_0()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["status"], environment: Environment);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = result.StdoutText.TrimEnd('\n').Split('\n');
        var fields = lines.ToDictionary(line => line[..line.IndexOf(':', StringComparison.Ordinal)], line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
        Assert.Multiple(() =>
        {
            Assert.That(fields["state"], Is.EqualTo("ready"));
            Assert.That(fields["model"], Is.EqualTo(Path.GetFullPath(SharedKit.Require(StoriesGolden.ModelFile))));
            Assert.That(fields["threads"], Is.EqualTo("1"));
            Assert.That(fields["context"], Does.StartWith("1024"));
            Assert.That(fields["backend"], Is.EqualTo("cpu"));
            Assert.That(fields["pid"], Is.EqualTo(_daemon.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(fields.Keys, Is.SupersetOf(new[] { "queue", "active", "memory", "uptime", "version" }));
            // Aligned: every value starts in the same column.
            Assert.That(lines.Select(line => line.Length - line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].TrimStart().Length).Distinct().Count(), Is.EqualTo(1), result.StdoutText);
        });
    }

    [Test]
    public async Task Status_json_prints_the_snapshot_frame()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["status", "--json"], environment: Environment);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        using var snapshot = JsonDocument.Parse(result.StdoutText);
        var root = snapshot.RootElement;
        Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("snapshot"));
        Assert.That(root.GetProperty("state").GetString(), Is.EqualTo("ready"));
        Assert.That(root.GetProperty("context_length").GetInt32(), Is.EqualTo(1024));
        Assert.That(root.GetProperty("rss_bytes").GetInt64(), Is.GreaterThan(0));
        Assert.That(result.StdoutText.Count(character => character == '\n'), Is.EqualTo(1), "one line");
    }

    [Test]
    public async Task Status_exits_3_when_no_daemon_answers()
    {
        var folder = Directory.CreateTempSubdirectory("toast-status-").FullName;
        try
        {
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["status", "--socket", Path.Combine(folder, "toasted.sock")]);

            Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
            Assert.That(result.Stdout, Is.Empty);
            Assert.That(result.Stderr, Does.Contain("not running"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Watch_shows_the_daemon_draining_and_exits_3_when_it_stops()
    {
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ["--context", "256", "--threads", "1"]);
        using var watch = ProcessRun.Start(BuiltBinaries.Toast, ["status", "--watch", "--json", "--socket", daemon.SocketPath]);
        await watch.FirstOutput.WaitAsync(TimeSpan.FromSeconds(30));

        var stopped = await daemon.TerminateAsync(TimeSpan.FromSeconds(20));
        var watched = await watch.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.That(stopped, Is.EqualTo(0));
        Assert.That(watched.ExitCode, Is.EqualTo(3), watched.ToString());
        var types = watched.StdoutText.TrimEnd('\n').Split('\n')
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(frame => frame.GetProperty("type").GetString() + (frame.TryGetProperty("state", out var state) ? ":" + state.GetString() : ""))
            .ToList();
        Assert.That(types, Is.EqualTo(new[] { "snapshot:ready", "state:draining" }), watched.StdoutText);
        Assert.That(watched.Stderr, Does.Contain("toasted stopped"));
    }

    [Test]
    public async Task Watch_prints_the_finish_of_another_clients_request_then_exits_130_on_SIGINT()
    {
        using var watch = ProcessRun.Start(BuiltBinaries.Toast, ["status", "--watch"], environment: Environment);
        // The snapshot is sent after the daemon subscribed this watcher, so nothing later is missed.
        await watch.FirstOutput.WaitAsync(TimeSpan.FromSeconds(30));

        using var other = ProcessRun.Start(BuiltBinaries.Toast, ["--raw", "-t", "0", "-n", "6", "Once upon a time"], environment: Environment);
        var generated = await other.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(generated.ExitCode, Is.EqualTo(0), generated.ToString());

        var finishLine = $"request_finished id=toast-{other.ProcessId} ";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!watch.StdoutSoFar.Contains(finishLine, StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(20);
        PosixSignals.Send(watch.ProcessId, PosixSignals.SIGINT);
        var watched = await watch.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(watched.ExitCode, Is.EqualTo(130), watched.ToString());
        var lines = watched.StdoutText.Split('\n');
        Assert.That(lines[0], Does.StartWith("state:"));
        Assert.That(lines, Has.Some.Contains($"request_started id=toast-{other.ProcessId} ").And.Contains($"pid={other.ProcessId}"), watched.StdoutText);
        Assert.That(lines, Has.Some.Contains(finishLine).And.Contains("completion_tokens=6").And.Contains("stop_reason=max_tokens"), watched.StdoutText);
    }
}
