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
    /// The resident set grows over the first runs, while the GC heap and the runtime reach their working size
    /// (66 → 115–122 MiB over five to twelve runs of this load, with dips of 3–5 % as collections return memory on
    /// the way), and then holds. Neither a fixed number of warm-up runs nor the first dip marks the end of that
    /// growth (a dip at 102 MiB once came three runs before the top of 114), so the warm-up lasts until the highest
    /// value has stopped rising: less than <see cref="Settled"/> over the last <see cref="SettleRuns"/> runs. Then
    /// <see cref="MeasuredRuns"/> more runs: a leak shows as a top that keeps rising past the warm-up's.
    /// </summary>
    private const int SettleRuns = 4;
    private const double Settled = 0.02;
    private const int MinWarmUpRuns = 6;
    private const int MaxWarmUpRuns = 32;
    private const int MeasuredRuns = 8;

    [Test]
    public async Task Thirty_two_clients_times_thirty_requests_each_end_in_exactly_one_done_or_queue_full()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "256", "--queue", QueueDepth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // tops[i]: the highest resident set after runs 0 … i of the warm-up.
        var tops = new List<long>();
        while (tops.Count < MaxWarmUpRuns)
        {
            var resident = await RunCheckedAsync(daemon, $"warm-up run {tops.Count}");
            tops.Add(Math.Max(resident, tops.Count > 0 ? tops[^1] : 0));
            if (tops.Count >= Math.Max(MinWarmUpRuns, SettleRuns + 1) && tops[^1] <= tops[^(SettleRuns + 1)] * (1 + Settled))
                break;
        }
        long warm = tops[^1];
        long measured = 0;
        for (var run = 0; run < MeasuredRuns; run++)
            measured = Math.Max(measured, await RunCheckedAsync(daemon, $"measured run {run}"));
        var drift = (measured - warm) / (double)warm;
        TestContext.Out.WriteLine($"top of the resident set: {warm / 1048576.0:F1} MiB after {tops.Count} warm-up runs, {measured / 1048576.0:F1} over {MeasuredRuns} more ({drift:P1})");
        Assert.That(drift, Is.LessThan(0.05), "the resident set stays within 5 % of its warm top under the same load");
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
