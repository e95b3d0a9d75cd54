using System.Collections.Concurrent;
using NUnit.Framework;
using Toasted.Tests.Shared;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Robustness;

/// <summary>Many clients at once against a queue shorter than their number.</summary>
[Category("DaemonRobustness")]
public class LoadTests
{
    private const int Clients = 32;
    private const int RequestsPerClient = 30;
    private const int QueueDepth = 8;
    /// <summary>
    /// The resident set saws up and down with full collections: it grows run by run and falls when a
    /// collection returns memory, after some four to eight runs of this load when the daemon has the
    /// machine to itself and later when other work runs beside it (73 → 109 MiB over eight runs without a
    /// fall once). So the test follows whole periods, not a fixed number of runs: a leak shows as a second
    /// period whose top is higher than the first one's, a saw tooth does not.
    /// </summary>
    private const int MaxRunsPerPeriod = 24;
    /// <summary>A fall of at least this share from the highest value so far marks the end of a period.</summary>
    private const double Fall = 0.02;

    [Test]
    public async Task Thirty_two_clients_times_thirty_requests_each_end_in_exactly_one_done_or_queue_full()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "256", "--queue", QueueDepth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var first = await PeriodAsync(daemon, "warm-up");
        var second = await PeriodAsync(daemon, "measured");
        var drift = (second - first) / (double)first;
        TestContext.Out.WriteLine($"top of the resident set: {first / 1048576.0:F1} MiB over the first period, {second / 1048576.0:F1} over the second ({drift:P1})");
        Assert.That(drift, Is.LessThan(0.05), "the resident set's second period tops out within 5 % of the first");
    }

    /// <summary>
    /// Runs the load until the resident set has fallen from its highest value (a collection ended the period)
    /// or <see cref="MaxRunsPerPeriod"/> runs have passed, checks every run's outcomes, and returns the highest
    /// resident set seen after a run of the period.
    /// </summary>
    private static async Task<long> PeriodAsync(DaemonProcess daemon, string name)
    {
        long top = 0;
        for (var run = 0; run < MaxRunsPerPeriod; run++)
        {
            var outcomes = await RunLoadAsync(daemon.SocketPath, RequestsPerClient);
            var settled = await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(10));
            var resident = ProcessMemory.Resident(daemon.ProcessId);
            var done = outcomes.Values.Count(outcome => outcome == "done");
            var full = outcomes.Values.Count(outcome => outcome == "queue_full");
            TestContext.Out.WriteLine($"{name} run {run}: {done} done, {full} queue_full; resident set {resident / 1048576.0:F1} MiB");
            Assert.That(outcomes.Count, Is.EqualTo(Clients * RequestsPerClient), "every request has exactly one outcome");
            Assert.That(done + full, Is.EqualTo(Clients * RequestsPerClient), string.Join(", ", outcomes.Values.Distinct()));
            Assert.That(done, Is.GreaterThan(0));
            Assert.That(OwnDaemon.IsIdleWithEmptyQueue(settled), Is.True, settled.ToJsonString());
            if (top > 0 && resident < top * (1 - Fall)) return top;
            top = Math.Max(top, resident);
        }
        return top;
    }

    /// <summary>Runs the clients and returns each request's outcome by id: "done", an error code, or a
    /// description of what went wrong (a second final frame, none at all, a foreign id).</summary>
    private static async Task<ConcurrentDictionary<string, string>> RunLoadAsync(string socketPath, int requestsPerClient)
    {
        var outcomes = new ConcurrentDictionary<string, string>();
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            await using var connection = await RawConnection.ConnectAsync(socketPath);
            for (var request = 0; request < requestsPerClient; request++)
            {
                var id = $"c{client}-r{request}";
                var frames = await connection.ExchangeAsync(Generate(id, $"Once upon a time {client} {request}", 1 + (request % 4)));
                var finals = frames.Where(IsFinal).ToList();
                var outcome = frames.Any(frame => Id(frame) != id) ? "foreign id: " + Describe(frames)
                    : finals.Count != 1 ? "finals: " + finals.Count
                    : Type(finals[0]) == "done" ? "done" : Code(finals[0])!;
                if (!outcomes.TryAdd(id, outcome)) outcomes[id] = "duplicate";
            }
        })).ToArray();
        await Task.WhenAll(clients);
        return outcomes;
    }
}
