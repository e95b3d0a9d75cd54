using System.Diagnostics;
using NUnit.Framework;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests.Lifecycle;

/// <summary>SIGHUP on a serving daemon: live settings change at once, others wait for a restart, and a
/// broken file is logged while the daemon keeps serving on the configuration it had.</summary>
public class ConfigurationReloadTests
{
    private string _folder = null!;

    [SetUp] public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("toasted-reload-").FullName;

    [TearDown] public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static string Model => SharedKit.Require(StoriesGolden.ModelFile);

    [Test]
    public async Task SIGHUP_applies_a_changed_queue_depth_and_log_level_and_names_what_needs_a_restart()
    {
        var config = Write("[queue]\ndepth = 8\n");
        await using var daemon = await DaemonProcess.StartAsync(Model, ["--config", config, "--context", "1024", "--threads", "1"]);
        Assert.That((await StatusAsync(daemon)).QueueCapacity, Is.EqualTo(8));
        Assert.That(daemon.Log, Does.Not.Contain("opened"), "connection lines are debug, below the default level");

        // threads, context and socket come from flags here, which outrank the file; fallback_model does not.
        Write("fallback_model = \"/models/other.gguf\"\n[queue]\ndepth = 3\n[log]\nlevel = \"debug\"\n");
        PosixSignals.Send(daemon.ProcessId, PosixSignals.SIGHUP);
        await WaitForLogAsync(daemon, "configuration reloaded");

        Assert.That((await StatusAsync(daemon)).QueueCapacity, Is.EqualTo(3), daemon.Log);
        Assert.That(daemon.Log, Does.Contain("applied queue.depth 8 -> 3, log.level information -> debug"));
        Assert.That(daemon.Log, Does.Contain("needs a restart to apply: fallback_model (not set) -> /models/other.gguf"));
        await WaitForLogAsync(daemon, "opened");
        Assert.That(daemon.HasExited, Is.False);
    }

    [Test]
    public async Task SIGHUP_with_a_broken_config_logs_the_error_and_keeps_serving_on_the_old_one()
    {
        var config = Write("[queue]\ndepth = 8\n");
        await using var daemon = await DaemonProcess.StartAsync(Model, ["--config", config, "--context", "1024", "--threads", "1"]);

        Write("[queue]\ndepth = \"lots\"\n");
        PosixSignals.Send(daemon.ProcessId, PosixSignals.SIGHUP);
        await WaitForLogAsync(daemon, "configuration reload failed");

        Assert.That(daemon.Log, Does.Contain($"keeping the running configuration: {config}:2:1: queue.depth"));
        Assert.That((await StatusAsync(daemon)).QueueCapacity, Is.EqualTo(8));
        await using var connection = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        var final = await connection.RequestAsync(new GenerateRequest { Id = "after", Prompt = "Once upon a time", Temperature = 0, MaxTokens = 4 }, CancellationToken.None);
        Assert.That(final, Is.TypeOf<DoneFrame>());

        // Fixed again, the next SIGHUP applies it.
        Write("[queue]\ndepth = 5\n");
        PosixSignals.Send(daemon.ProcessId, PosixSignals.SIGHUP);
        await WaitForLogAsync(daemon, "applied queue.depth 8 -> 5");
        Assert.That((await StatusAsync(daemon)).QueueCapacity, Is.EqualTo(5));
    }

    [Test]
    public async Task With_a_log_file_the_log_and_a_request_line_with_client_tokens_and_timings_go_to_it()
    {
        var logFile = Path.Combine(_folder, "logs", "toasted.log");
        await using var daemon = await DaemonProcess.StartAsync(Model, ["--log-file", logFile, "--context", "1024", "--threads", "1"]);
        await using (var connection = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None))
        {
            var final = await connection.RequestAsync(new GenerateRequest { Id = "logged", Prompt = "Once upon a time", Temperature = 0, MaxTokens = 6 }, CancellationToken.None);
            Assert.That(final, Is.TypeOf<DoneFrame>());
        }
        Assert.That(await daemon.TerminateAsync(TimeSpan.FromSeconds(20)), Is.EqualTo(0));

        var log = File.ReadAllText(logFile);
        Assert.That(log, Does.Contain("listening on " + daemon.SocketPath));
        Assert.That(log, Does.Match($@"client pid {Environment.ProcessId} uid \d+ => .*request logged done \(max_tokens\): 5 prompt tokens, 6 completion tokens; "
            + @"queued [\d.]+ ms, prefill [\d.]+ ms, decode [\d.]+ ms"));
        Assert.That(daemon.Log, Is.Empty, "nothing is left on stdout or stderr");
        Assert.That(File.GetUnixFileMode(logFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    private string Write(string text)
    {
        var path = Path.Combine(_folder, "config.toml");
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<StatusFrame> StatusAsync(DaemonProcess daemon)
    {
        await using var connection = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        var final = await connection.RequestAsync(new StatusRequest { Id = "status" }, CancellationToken.None);
        return final as StatusFrame ?? throw new AssertionException($"expected a status frame, got {final?.Type}");
    }

    private static async Task WaitForLogAsync(DaemonProcess daemon, string text)
    {
        var waited = Stopwatch.StartNew();
        while (!daemon.Log.Contains(text, StringComparison.Ordinal))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(15)) Assert.Fail($"the log never said '{text}':\n{daemon.Log}");
            await Task.Delay(25);
        }
    }
}
