using System.Collections.Concurrent;
using NUnit.Framework;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Robustness;

/// <summary>Many clients at once against a queue shorter than their number.</summary>
[Category("DaemonRobustness")]
public class LoadTests
{
    private const int Clients = 32;
    private const int RequestsPerClient = 30;
    private const int QueueDepth = 8;
    /// <summary>The resident set saws up and down with full collections (about every seven runs of
    /// this load, between some 65 and 86 MiB): the warm-up spans one period.</summary>
    private const int WarmUpRounds = 8;

    [Test]
    public async Task Thirty_two_clients_times_thirty_requests_each_end_in_exactly_one_done_or_queue_full()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "256", "--queue", QueueDepth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Warm-up: the same load several times, so that the runtime's heaps and pools have grown to it.
        // The resident set after a run also depends on how full the youngest GC generation happened
        // to be, so the warm value is the highest seen after a warm-up run: growth beyond it is a leak.
        long warm = 0;
        for (var round = 0; round < WarmUpRounds; round++)
        {
            await RunLoadAsync(daemon.SocketPath, RequestsPerClient);
            await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(10));
            var resident = ProcessMemory.Resident(daemon.ProcessId);
            TestContext.Out.WriteLine($"warm-up round {round}: resident set {resident / 1048576.0:F1} MiB");
            warm = Math.Max(warm, resident);
        }

        var outcomes = await RunLoadAsync(daemon.SocketPath, RequestsPerClient);
        var settled = await OwnDaemon.WaitForStatusAsync(daemon, OwnDaemon.IsIdleWithEmptyQueue, TimeSpan.FromSeconds(10));
        var after = ProcessMemory.Resident(daemon.ProcessId);

        var done = outcomes.Values.Count(outcome => outcome == "done");
        var full = outcomes.Values.Count(outcome => outcome == "queue_full");
        var drift = (after - warm) / (double)warm;
        TestContext.Out.WriteLine($"{outcomes.Count} requests: {done} done, {full} queue_full; resident set {warm / 1048576.0:F1} → {after / 1048576.0:F1} MiB ({drift:P1})");
        Assert.That(outcomes.Count, Is.EqualTo(Clients * RequestsPerClient), "every request has exactly one outcome");
        Assert.That(done + full, Is.EqualTo(Clients * RequestsPerClient), string.Join(", ", outcomes.Values.Distinct()));
        Assert.That(done, Is.GreaterThan(0));
        Assert.That(OwnDaemon.IsIdleWithEmptyQueue(settled), Is.True, settled.ToJsonString());
        Assert.That(drift, Is.LessThan(0.05), "resident set within 5 % of its warm value");
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
