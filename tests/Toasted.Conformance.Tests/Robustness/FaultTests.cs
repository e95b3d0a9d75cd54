using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Toasted.Tests.Shared;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Robustness;

/// <summary>Clients that die, stall or leave in the middle of a request.</summary>
[Category("DaemonRobustness")]
public partial class FaultTests
{
    [Test]
    public async Task A_hundred_clients_killed_mid_stream_leak_no_slot_and_the_next_request_is_served()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "1024", "--queue", "128");
        var environment = new Dictionary<string, string?> { ["TOASTED_SOCKET"] = daemon.SocketPath };
        var runs = new List<ProcessRun>();
        try
        {
            for (var index = 0; index < 100; index++)
                runs.Add(ProcessRun.Start(BuiltBinaries.Toast, ["--raw", "-t", "0", "-n", "900", $"Once upon a time {index}"], stdin: null, environment));
            // Each is either streaming or waiting in the queue; wait until the first streams, then kill all.
            await runs[0].FirstOutput.WaitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(200);
            foreach (var run in runs) KillHard(run.ProcessId);
        }
        finally
        {
            foreach (var run in runs) run.Dispose();
        }

        var status = await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(20));
        Assert.That(OwnDaemon.IsIdleWithEmptyQueue(status), Is.True, "no slot or place in line is leaked: " + status.ToJsonString());
        await using var next = await RawConnection.ConnectAsync(daemon.SocketPath);
        var frames = await next.ExchangeAsync(Generate("next", "Once upon a time", 8));
        Assert.That(Type(frames[^1]), Is.EqualTo("done"), Describe(frames));
    }

    [Test]
    public async Task A_client_that_never_reads_is_cut_off_after_the_write_timeout_and_frees_its_slot()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "1024", "--write-timeout-ms", "1000");
        // A tokenize answer of most of a megabyte: more than a socket buffer holds.
        var text = string.Concat(Enumerable.Repeat("Once upon a time there was a cat. ", 12_000));
        await using var stalled = await RawConnection.ConnectAsync(daemon.SocketPath, receiveBufferBytes: 4096);
        await stalled.SendAsync(Tokenize("stall", text));
        // Meanwhile a generation that never reads either: its compute ends, and the slot with it.
        await using var stalledGeneration = await RawConnection.ConnectAsync(daemon.SocketPath, receiveBufferBytes: 4096);
        await stalledGeneration.SendAsync(Generate("stall-gen", "Once upon a time", 900));
        var clock = Stopwatch.StartNew();

        var idle = await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(30));
        Assert.That(OwnDaemon.IsIdleWithEmptyQueue(idle), Is.True, idle.ToJsonString());
        var deadline = Stopwatch.StartNew();
        while (Regex.Matches(daemon.Log, "write timeout").Count < 2 && deadline.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
        TestContext.Out.WriteLine($"both cut off {clock.ElapsedMilliseconds} ms after their requests were sent");
        Assert.That(Regex.Matches(daemon.Log, "write timeout").Count, Is.EqualTo(2), daemon.Log);
        // Reading now: what the socket held, then the end, because the daemon closed the connection.
        Assert.That(await stalled.IsClosedByDaemonAsync(TimeSpan.FromSeconds(10)), Is.True, "the daemon closed the stalled tokenize connection");
        Assert.That(await stalledGeneration.IsClosedByDaemonAsync(TimeSpan.FromSeconds(10)), Is.True, "the daemon closed the stalled generation");

        await using var next = await RawConnection.ConnectAsync(daemon.SocketPath);
        var frames = await next.ExchangeAsync(Generate("next", "Once upon a time", 8));
        Assert.That(Type(frames[^1]), Is.EqualTo("done"), Describe(frames));
    }

    [Test]
    public async Task Closing_the_connection_during_a_long_prefill_stops_compute_within_50_ms()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "4096");
        const string Sentence = " Once upon a time there was a little cat who liked to play in the sun.";
        var prompt = "Latency." + string.Concat(Enumerable.Repeat(Sentence, 170));
        var latencies = new List<double>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var connection = await RawConnection.ConnectAsync(daemon.SocketPath);
            await connection.SendAsync(Generate("long" + attempt, $"{attempt}{prompt}", 4));
            // Two batches in: the remaining ones are the slow, deep part of the context.
            var progress = 0;
            while (progress < 2)
            {
                var frame = await connection.ReadFrameAsync();
                Assert.That(frame, Is.Not.Null);
                Assert.That(Type(frame!), Is.AnyOf("progress", "queued"), frame!.ToJsonString());
                if (Type(frame!) == "progress") progress++;
            }
            var closedAt = DateTime.UtcNow;
            connection.Socket.Close();

            var line = await WaitForLogLineAsync(daemon, $"request long{attempt} cancelled during prefill", TimeSpan.FromSeconds(10));
            var loggedAt = DateTime.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var latency = (loggedAt - closedAt).TotalMilliseconds;
            TestContext.Out.WriteLine($"closed {closedAt:HH:mm:ss.fff}, compute stopped {loggedAt:HH:mm:ss.fff}: {latency:F0} ms (log: {line.Trim()})");
            latencies.Add(latency);
            await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(10));
        }
        // The log's clock has millisecond resolution: one more millisecond of slack for rounding.
        Assert.That(latencies, Is.All.LessThanOrEqualTo(51), string.Join(", ", latencies));
    }

    private static async Task<string> WaitForLogLineAsync(DaemonProcess daemon, string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var line = daemon.Log.Split('\n').FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal));
            if (line is not null) return line;
            await Task.Delay(5);
        }
        Assert.Fail($"the daemon did not log \"{text}\":\n{daemon.Log}");
        return "";
    }

    private static void KillHard(int processId)
    {
        try
        {
            Process.GetProcessById(processId).Kill();
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            // Already gone (a short answer finished first): nothing to kill.
        }
    }
}
