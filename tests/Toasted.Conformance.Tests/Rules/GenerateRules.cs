using System.Diagnostics;
using NUnit.Framework;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Rules;

/// <summary>docs/protocol.md §5.1 generate and §6 responses, one test per rule.</summary>
[Category("ProtocolConformance")]
[NonParallelizable]
public class GenerateRules
{
    [Test]
    public async Task G1_max_tokens_ends_with_stop_reason_max_tokens_and_usage_counts_them()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var frames = await connection.ExchangeAsync(Generate("g1", "Once upon a time", 3));
        var done = frames[^1];
        Assert.That(Type(done), Is.EqualTo("done"), Describe(frames));
        var stop = done["stop_reason"]!.GetValue<string>();
        Assert.That(stop, Is.AnyOf("max_tokens", "end"));
        if (stop == "max_tokens") Assert.That(done["usage"]!["completion_tokens"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(done["usage"]!["prompt_tokens"]!.GetValue<int>(), Is.EqualTo(await ConformanceTarget.PromptTokensAsync("Once upon a time")));
        foreach (var timing in new[] { "queued_ms", "prefill_ms", "decode_ms", "total_ms", "decode_tokens_per_second" })
            Assert.That(done["timings"]![timing]!.GetValue<double>(), Is.GreaterThanOrEqualTo(0), timing);
    }

    [Test]
    public async Task G2_without_streaming_the_text_comes_as_one_token_frame_just_before_done()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var streamed = await connection.ExchangeAsync(Generate("g2s", "Once upon a time", 12));
        var whole = await connection.ExchangeAsync(Generate("g2", "Once upon a time", 12, "\"stream\":false"));
        Assert.That(whole.Select(Type).Where(type => type != "queued"), Is.EqualTo(new[] { "token", "done" }), Describe(whole));
        Assert.That(Text(whole), Is.EqualTo(Text(streamed)));
    }

    [Test]
    public async Task G3_a_stop_string_ends_with_stop_reason_stop_and_is_not_sent()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var free = Text(await connection.ExchangeAsync(Generate("g3a", "Once upon a time", 32)));
        // Stop at the second word of the free continuation, which greedy decoding reproduces.
        var words = free.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3) Assert.Ignore("the model's continuation is too short to pick a stop string from: " + free);
        var stop = " " + words[1];
        var frames = await connection.ExchangeAsync(Generate("g3", "Once upon a time", 32, $"\"stop\":[{Quote(stop)}]"));
        Assert.That(frames[^1]["stop_reason"]!.GetValue<string>(), Is.EqualTo("stop"), Describe(frames));
        Assert.That(Text(frames), Is.EqualTo(free[..free.IndexOf(stop, StringComparison.Ordinal)]));
    }

    [Test]
    public async Task G4_the_same_seed_gives_the_same_text()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        const string Sampled = "\"temperature\":0.9,\"seed\":1234";
        var first = await connection.ExchangeAsync(Generate("g4a", "Once upon a time", 24).Replace("\"temperature\":0", Sampled, StringComparison.Ordinal));
        var second = await connection.ExchangeAsync(Generate("g4b", "Once upon a time", 24).Replace("\"temperature\":0", Sampled, StringComparison.Ordinal));
        Assert.That(Text(second), Is.EqualTo(Text(first)));
    }

    [Test]
    public async Task G5_a_prompt_longer_than_the_context_gets_context_overflow_with_the_counts_at_once()
    {
        var context = ConformanceTarget.ContextLength;
        var prompt = await ConformanceTarget.PromptOfAboutAsync(context + 200, "G5 overflow.");
        var promptTokens = await ConformanceTarget.PromptTokensAsync(prompt);
        Assume.That(promptTokens, Is.GreaterThan(context));
        await using var connection = await ConformanceTarget.ConnectAsync();
        var clock = Stopwatch.StartNew();
        var frames = await connection.ExchangeAsync(Generate("g5", prompt, null));

        Assert.That(frames.Select(Type), Is.EqualTo(new[] { "error" }), "no queued, progress or token frame: " + Describe(frames));
        var error = frames[0];
        Assert.That(Code(error), Is.EqualTo("context_overflow"));
        Assert.That(error["prompt_tokens"]!.GetValue<int>(), Is.EqualTo(promptTokens));
        Assert.That(error["requested_tokens"]!.GetValue<int>(), Is.Zero);
        Assert.That(error["context_length"]!.GetValue<int>(), Is.EqualTo(context));
        TestContext.Out.WriteLine($"refused in {clock.ElapsedMilliseconds} ms");
    }

    [Test]
    public async Task G6_a_prompt_that_leaves_no_room_for_max_tokens_gets_context_overflow_with_the_counts()
    {
        var context = ConformanceTarget.ContextLength;
        var promptTokens = await ConformanceTarget.PromptTokensAsync("Once upon a time");
        await using var connection = await ConformanceTarget.ConnectAsync();
        var exact = context - promptTokens;
        var over = (await connection.ExchangeAsync(Generate("g6", "Once upon a time", exact + 1))).Single();
        Assert.That(Code(over), Is.EqualTo("context_overflow"));
        Assert.That((over["prompt_tokens"]!.GetValue<int>(), over["requested_tokens"]!.GetValue<int>(), over["context_length"]!.GetValue<int>()),
            Is.EqualTo((promptTokens, exact + 1, context)));
    }

    [Test]
    public async Task G7_without_max_tokens_a_generation_that_fills_the_context_ends_with_context_full()
    {
        var context = ConformanceTarget.ContextLength;
        var prompt = await ConformanceTarget.PromptOfAboutAsync(context - 24, "G7 full.");
        await using var connection = await ConformanceTarget.ConnectAsync();
        // A high repeat penalty keeps a small model from ending the story before the context is full.
        var frames = await connection.ExchangeAsync(Generate("g7", prompt, null, "\"repeat_penalty\":1.3"));
        var done = frames[^1];
        Assert.That(Type(done), Is.EqualTo("done"), Describe(frames.TakeLast(3)));
        if (done["stop_reason"]!.GetValue<string>() == "end") Assert.Inconclusive("the model ended its text before the context was full");
        Assert.That(done["stop_reason"]!.GetValue<string>(), Is.EqualTo("context_full"));
        var usage = done["usage"]!;
        Assert.That(usage["prompt_tokens"]!.GetValue<int>() + usage["completion_tokens"]!.GetValue<int>(), Is.EqualTo(context));
    }

    [Test]
    public async Task G8_token_frames_carry_whole_UTF_8_characters()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var frames = await connection.ExchangeAsync(Generate("g8", "Once upon a time", 48, "\"seed\":7,\"top_k\":0,\"top_p\":1,\"min_p\":0")
            .Replace("\"temperature\":0", "\"temperature\":1.5", StringComparison.Ordinal));
        // RawConnection decodes each frame strictly; a lone surrogate would also show as U+FFFD here.
        Assert.That(Text(frames), Does.Not.Contain("\uFFFD"));
    }
}
