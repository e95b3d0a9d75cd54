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
    /// The resident set grows over the first runs, while the GC heap, the runtime and the compiled code reach their
    /// working size, in steps with plateaus between them (66 → 100 MiB over five runs, four runs there, then 118 within
    /// two), and then saw-tooths through a band of 5–7 % (112–117 MiB, once falling to 90) for as long as the load
    /// lasts. So the warm-up lasts until the highest value has stopped rising, less than <see cref="Settled"/> over
    /// the last <see cref="SettleRuns"/> runs, longer than the plateaus seen; a leak of a few hundred bytes per request
    /// keeps that top rising, so a warm-up that never settles fails the test. Then <see cref="MeasuredRuns"/> more runs
    /// must come back down to within 5 % of the warm top at least once: memory that is never returned lifts the floor
    /// of the saw-tooth, while a late step of the runtime's growth (tops alone once rose 5.3 % above a warm top of
    /// 115.8 MiB and fell back) does not.
    /// </summary>
    private const int SettleRuns = 6;
    private const double Settled = 0.02;
    private const int MinWarmUpRuns = 12;
    private const int MaxWarmUpRuns = 32;
    private const int MeasuredRuns = 8;

    [Test]
    public async Task Thirty_two_clients_times_thirty_requests_each_end_in_exactly_one_done_or_queue_full()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "256", "--queue", QueueDepth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // tops[i]: the highest resident set after runs 0 … i of the warm-up.
        var tops = new List<long>();
        var settled = false;
        while (!settled && tops.Count < MaxWarmUpRuns)
        {
            var resident = await RunCheckedAsync(daemon, $"warm-up run {tops.Count}");
            tops.Add(Math.Max(resident, tops.Count > 0 ? tops[^1] : 0));
            settled = tops.Count >= Math.Max(MinWarmUpRuns, SettleRuns + 1) && tops[^1] <= tops[^(SettleRuns + 1)] * (1 + Settled);
        }
        Assert.That(settled, Is.True,
            $"the resident set kept rising over {MaxWarmUpRuns} runs of the same load: {string.Join(" → ", tops.Select(top => $"{top / 1048576.0:F1}"))} MiB");
        long warm = tops[^1];
        var measured = new List<long>();
        for (var run = 0; run < MeasuredRuns; run++)
            measured.Add(await RunCheckedAsync(daemon, $"measured run {run}"));
        var drift = (measured.Min() - warm) / (double)warm;
        TestContext.Out.WriteLine($"top of the resident set: {warm / 1048576.0:F1} MiB after {tops.Count} warm-up runs; over {MeasuredRuns} more " +
            $"{measured.Min() / 1048576.0:F1}–{measured.Max() / 1048576.0:F1} ({drift:+0.0 %;-0.0 %} at the lowest)");
        Assert.That(drift, Is.LessThan(0.05), "the resident set comes back to within 5 % of its warm top under the same load");
    }

    /// <summary>Runs the load once, checks every request's outcome and that the daemon settles idle, and returns its resident set.</summary>
    private static async Task<long> RunCheckedAsync(DaemonProcess daemon, string name)
    {
        var outcomes = await RunLoadAsync(daemon.SocketPath, RequestsPerClient);
        var settled = await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(10));
        var resident = ProcessMemory.Resident(daemon.ProcessId);
        var done = outcomes.Values.Count(outcome => outcome == "done");
        var full = outcomes.Values.Count(outcome => outcome == "queue_full");
        TestContext.Out.WriteLine($"{name}: {done} done, {full} queue_full; resident set {resident / 1048576.0:F1} MiB");
        Assert.That(outcomes.Count, Is.EqualTo(Clients * RequestsPerClient), "every request has exactly one outcome");
        Assert.That(done + full, Is.EqualTo(Clients * RequestsPerClient), string.Join(", ", outcomes.Values.Distinct()));
        Assert.That(done, Is.GreaterThan(0));
        Assert.That(OwnDaemon.IsIdleWithEmptyQueue(settled), Is.True, settled.ToJsonString());
        return resident;
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
