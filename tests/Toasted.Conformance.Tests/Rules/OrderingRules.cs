using System.Diagnostics;
using System.Text.Json.Nodes;
using NUnit.Framework;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Rules;

/// <summary>docs/protocol.md §4 Ordering and admission, one test per rule. The rules that need the slot
/// busy occupy it with a prefill near the context length, which takes a while on any model.</summary>
[Category("ProtocolConformance")]
[NonParallelizable]
public class OrderingRules
{
    [Test]
    public async Task O1_a_second_request_while_one_is_in_flight_gets_invalid_request_and_the_first_completes()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        // Long enough that the second frame surely arrives while the first computes.
        await connection.SendAsync(Generate("first", "Once upon a time", 300) + Status("second"));
        var frames = new List<JsonObject>();
        while (frames.Count(IsFinal) < 2 && await connection.ReadFrameAsync() is { } frame) frames.Add(frame);

        var refusal = frames.Single(frame => Id(frame) == "second");
        Assert.That(Code(refusal), Is.EqualTo("invalid_request"));
        Assert.That(frames.Where(frame => Id(frame) == "first").Select(Type).Last(), Is.EqualTo("done"), Describe(frames));
    }

    [Test]
    public async Task O2_every_request_ends_with_exactly_one_final_frame_and_nothing_follows_it()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        foreach (var line in new[] { Generate("g", "Once upon a time", 8), Tokenize("t", "Once"), Status("s"), "{\"wire_version\":1,\"id\":\"e\",\"type\":\"nope\"}\n" })
        {
            var frames = await connection.ExchangeAsync(line);
            Assert.That(frames.Count(IsFinal), Is.EqualTo(1), Describe(frames));
            Assert.That(IsFinal(frames[^1]), Is.True);
        }
        // Nothing arrives after the last final frame.
        Assert.That(async () => await connection.ReadFrameAsync(TimeSpan.FromMilliseconds(300)), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public async Task O3_a_connection_serves_any_number_of_requests_one_after_another()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        // Each request is sent the moment the previous final frame arrives: a daemon must count the
        // request as ended when it sends that frame, not some time later.
        for (var index = 0; index < 300; index++)
        {
            var (line, final) = (index % 3) switch
            {
                0 => (Generate("n" + index, "Once upon a time", 1), "done"),
                1 => (Tokenize("n" + index, "Once"), "tokens"),
                _ => (Status("n" + index), "status"),
            };
            var frames = await connection.ExchangeAsync(line);
            Assert.That(Type(frames[^1]), Is.EqualTo(final), Describe(frames));
        }
    }

    [Test]
    public async Task O4_a_waiting_request_gets_queued_frames_before_anything_else_and_again_when_its_position_changes()
    {
        var context = ConformanceTarget.ContextLength;
        await using var holder = await ConformanceTarget.ConnectAsync();
        await using var first = await ConformanceTarget.ConnectAsync();
        await using var second = await ConformanceTarget.ConnectAsync();
        await holder.SendAsync(Generate("holder", await ConformanceTarget.PromptOfAboutAsync(context - 8, "O4 holder."), 4));
        await WaitUntilBusyAsync();
        await first.SendAsync(Generate("first", "Once upon a time", 2));
        Assert.That((await first.ReadFrameAsync())!["position"]!.GetValue<int>(), Is.EqualTo(1));
        await second.SendAsync(Generate("second", "Once upon a time", 2));
        Assert.That((await second.ReadFrameAsync())!["position"]!.GetValue<int>(), Is.EqualTo(2));

        // The first leaves the line: the second moves up and is told so.
        await first.DisposeAsync();
        var rest = await second.ReadUntilFinalAsync();
        Assert.That(Type(rest[0]), Is.EqualTo("queued"), Describe(rest));
        Assert.That(rest[0]["position"]!.GetValue<int>(), Is.EqualTo(1));
        var firstOther = rest.FindIndex(frame => Type(frame) != "queued");
        Assert.That(rest.Skip(firstOther).Select(Type), Has.None.EqualTo("queued"), "queued frames precede all others");
        Assert.That(Type(rest[^1]), Is.EqualTo("done"), Describe(rest));
        Assert.That(Type((await holder.ReadUntilFinalAsync())[^1]), Is.EqualTo("done"));
    }

    [Test]
    public async Task O5_a_prompt_longer_than_one_batch_gets_prefill_progress_before_its_first_token()
    {
        var context = ConformanceTarget.ContextLength;
        var prompt = await ConformanceTarget.PromptOfAboutAsync(Math.Min(context - 8, 1500), "O5 progress.");
        var promptTokens = await ConformanceTarget.PromptTokensAsync(prompt);
        await using var connection = await ConformanceTarget.ConnectAsync();
        var frames = await connection.ExchangeAsync(Generate("o5", prompt, 2));

        var progress = frames.Where(frame => Type(frame) == "progress").ToList();
        Assert.That(progress, Is.Not.Empty, Describe(frames));
        Assert.That(progress.Select(frame => frame["phase"]!.GetValue<string>()), Is.All.EqualTo("prefill"));
        Assert.That(progress.Select(frame => frame["total"]!.GetValue<int>()), Is.All.EqualTo(promptTokens));
        var done = progress.Select(frame => frame["done"]!.GetValue<int>()).ToList();
        Assert.That(done, Is.Ordered.Ascending.And.All.InRange(1, promptTokens));
        var lastProgress = frames.FindLastIndex(frame => Type(frame) == "progress");
        var firstToken = frames.FindIndex(frame => Type(frame) == "token");
        Assert.That(firstToken < 0 || lastProgress < firstToken, Is.True, "progress comes before the text");
    }

    [Test]
    public async Task O6_closing_the_connection_cancels_a_queued_request_and_frees_its_place()
    {
        var context = ConformanceTarget.ContextLength;
        await using var holder = await ConformanceTarget.ConnectAsync();
        await holder.SendAsync(Generate("holder", await ConformanceTarget.PromptOfAboutAsync(context - 8, "O6 holder."), 4));
        await WaitUntilBusyAsync();
        var waiting = await ConformanceTarget.ConnectAsync();
        await waiting.SendAsync(Generate("waiting", "Once upon a time", 2));
        Assert.That(Type((await waiting.ReadFrameAsync())!), Is.EqualTo("queued"));
        await waiting.DisposeAsync();

        Assert.That(await PollAsync(status => status["queue_depth"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(5)), Is.True,
            "the closed request left the queue");
        Assert.That(Type((await holder.ReadUntilFinalAsync())[^1]), Is.EqualTo("done"));
    }

    [Test]
    public async Task O7_closing_the_connection_during_prefill_cancels_it_and_frees_the_slot()
    {
        var context = ConformanceTarget.ContextLength;
        var connection = await ConformanceTarget.ConnectAsync();
        await connection.SendAsync(Generate("abandoned", await ConformanceTarget.PromptOfAboutAsync(context - 8, "O7 abandoned."), 4));
        await WaitUntilBusyAsync();
        var closed = Stopwatch.StartNew();
        await connection.DisposeAsync();

        Assert.That(await PollAsync(status => status["state"]!.GetValue<string>() == "idle", TimeSpan.FromSeconds(5)), Is.True,
            "the slot is free again");
        TestContext.Out.WriteLine($"slot free {closed.ElapsedMilliseconds} ms after the close (status polling included)");
        await using var next = await ConformanceTarget.ConnectAsync();
        Assert.That(Type((await next.ExchangeAsync(Generate("next", "Once upon a time", 2)))[^1]), Is.EqualTo("done"));
    }

    [Test]
    public async Task O8_tokenize_and_status_do_not_wait_for_the_slot()
    {
        var context = ConformanceTarget.ContextLength;
        await using var holder = await ConformanceTarget.ConnectAsync();
        await holder.SendAsync(Generate("holder", await ConformanceTarget.PromptOfAboutAsync(context - 8, "O8 holder."), 4));
        await WaitUntilBusyAsync();
        await using var other = await ConformanceTarget.ConnectAsync();
        var tokens = await other.ExchangeAsync(Tokenize("t", "Once upon a time"));
        var status = await other.ExchangeAsync(Status("s"));
        Assert.That((Type(tokens.Single()), Type(status.Single())), Is.EqualTo(("tokens", "status")));
        Assert.That(status[0]["state"]!.GetValue<string>(), Is.EqualTo("busy"));
        Assert.That(Type((await holder.ReadUntilFinalAsync())[^1]), Is.EqualTo("done"));
    }

    [Test]
    public async Task O9_beyond_the_queue_capacity_a_request_gets_queue_full_at_once_and_the_others_are_served()
    {
        var context = ConformanceTarget.ContextLength;
        var capacity = ConformanceTarget.QueueCapacity;
        if (capacity > 64) Assert.Ignore($"a queue of {capacity} is too long to fill in a test");
        await using var holder = await ConformanceTarget.ConnectAsync();
        await holder.SendAsync(Generate("holder", await ConformanceTarget.PromptOfAboutAsync(context - 8, "O9 holder."), 4));
        await WaitUntilBusyAsync();
        var waiters = new List<RawConnection>();
        try
        {
            for (var index = 0; index < capacity; index++)
            {
                var waiter = await ConformanceTarget.ConnectAsync();
                waiters.Add(waiter);
                await waiter.SendAsync(Generate("w" + index, "Once upon a time", 1));
                Assert.That(Type((await waiter.ReadFrameAsync())!), Is.EqualTo("queued"));
            }
            await using var refused = await ConformanceTarget.ConnectAsync();
            var answered = Stopwatch.StartNew();
            var frames = await refused.ExchangeAsync(Generate("full", "Once upon a time", 1));
            Assert.That(frames.Select(Code), Is.EqualTo(new[] { "queue_full" }), Describe(frames));
            Assert.That(answered.ElapsedMilliseconds, Is.LessThan(1000), "refused at once, not after waiting");

            Assert.That(Type((await holder.ReadUntilFinalAsync())[^1]), Is.EqualTo("done"));
            foreach (var waiter in waiters)
                Assert.That(Type((await waiter.ReadUntilFinalAsync())[^1]), Is.EqualTo("done"));
        }
        finally
        {
            foreach (var waiter in waiters) await waiter.DisposeAsync();
        }
    }

    /// <summary>Until status says a generation holds the slot.</summary>
    private static async Task WaitUntilBusyAsync()
    {
        Assert.That(await PollAsync(status => status["state"]!.GetValue<string>() == "busy", TimeSpan.FromSeconds(30)), Is.True,
            "the slot became busy");
    }

    private static async Task<bool> PollAsync(Func<JsonObject, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (condition(await ConformanceTarget.StatusAsync())) return true;
            await Task.Delay(5);
        }
        return false;
    }
}
