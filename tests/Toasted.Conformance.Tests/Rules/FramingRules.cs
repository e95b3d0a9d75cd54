using System.Text;
using NUnit.Framework;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Rules;

/// <summary>docs/protocol.md §2 Framing, one test per rule.</summary>
[Category("ProtocolConformance")]
public class FramingRules
{
    private const int Cap = 64 * 1024 * 1024;

    [Test]
    public async Task F1_every_response_is_one_line_of_json_object_with_type_and_the_request_id()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var frames = await connection.ExchangeAsync(Generate("f1", "Once upon a time", 4));
        Assert.That(frames, Is.Not.Empty);
        Assert.That(frames.Select(Id), Is.All.EqualTo("f1"), Describe(frames));
        Assert.That(frames.Select(Type), Is.All.AnyOf("queued", "progress", "token", "done"), Describe(frames));
    }

    [Test]
    public async Task F2_a_carriage_return_before_the_line_feed_and_empty_lines_are_ignored()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        await connection.SendAsync("\n\r\n\n" + Status("f2").TrimEnd('\n') + "\r\n");
        var frames = await connection.ReadUntilFinalAsync();
        Assert.That(frames.Select(Type), Is.EqualTo(new[] { "status" }), Describe(frames));
    }

    [Test]
    public async Task F3_a_frame_over_64_MiB_gets_frame_too_large_with_an_empty_id_and_the_connection_stays_usable()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        // Valid JSON for its first 64 MiB: only the size can refuse it.
        var head = "{\"wire_version\":1,\"id\":\"huge\",\"type\":\"status\",\"padding\":\""u8.ToArray();
        var frame = new byte[Cap + 1024 * 1024];
        frame.AsSpan().Fill((byte)'a');
        head.CopyTo(frame, 0);
        frame[^2] = (byte)'"';
        frame[^1] = (byte)'}';
        var sending = connection.SendAsync(frame.Concat("\n"u8.ToArray()).ToArray());

        var error = await connection.ReadFrameAsync();
        await sending;
        Assert.That((Type(error!), Code(error!), Id(error!)), Is.EqualTo(("error", "frame_too_large", "")));
        Assert.That((await connection.ExchangeAsync(Status("after"))).Select(Type), Is.EqualTo(new[] { "status" }));
    }

    [Test]
    public async Task F4_a_frame_of_exactly_64_MiB_is_accepted()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var head = "{\"wire_version\":1,\"id\":\"cap\",\"type\":\"status\",\"padding\":\""u8.ToArray();
        var frame = new byte[Cap + 1];
        frame.AsSpan().Fill((byte)'a');
        head.CopyTo(frame, 0);
        frame[Cap - 2] = (byte)'"';
        frame[Cap - 1] = (byte)'}';
        frame[Cap] = (byte)'\n';
        var sending = connection.SendAsync(frame);
        var answer = await connection.ReadUntilFinalAsync();
        await sending;
        Assert.That(answer.Select(Type), Is.EqualTo(new[] { "status" }), Describe(answer));
        Assert.That(Id(answer[0]), Is.EqualTo("cap"));
    }

    [Test]
    public async Task F5_a_frame_that_is_not_UTF_8_gets_invalid_request_and_the_connection_stays_usable()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var bad = "{\"wire_version\":1,\"id\":\"u\",\"type\":\"tokenize\",\"text\":\"\u00e9\"}\n"u8.ToArray();
        // Turn é (C3 A9) into a lone continuation byte.
        var index = Array.IndexOf(bad, (byte)0xC3);
        bad[index] = 0xA9;
        await connection.SendAsync(bad);
        var error = (await connection.ReadUntilFinalAsync()).Single();
        Assert.That(Code(error), Is.EqualTo("invalid_request"), error.ToJsonString());
        Assert.That((await connection.ExchangeAsync(Status("after"))).Select(Type), Is.EqualTo(new[] { "status" }));
    }

    [TestCase("{\"wire_version\":1,\"id\":\"j\",\"type\":")]
    [TestCase("not json at all")]
    [TestCase("{\"wire_version\":1,\"id\":\"j\",\"type\":\"status\"} trailing")]
    [TestCase("{'wire_version':1}")]
    public async Task F6_a_frame_that_is_not_JSON_gets_invalid_request_and_the_connection_stays_usable(string line)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var error = (await connection.ExchangeAsync(line)).Single();
        Assert.That(Code(error), Is.EqualTo("invalid_request"), error.ToJsonString());
        Assert.That((await connection.ExchangeAsync(Status("after"))).Select(Type), Is.EqualTo(new[] { "status" }));
    }

    [TestCase("[1,2,3]")]
    [TestCase("\"status\"")]
    [TestCase("42")]
    [TestCase("null")]
    public async Task F7_a_JSON_value_that_is_not_an_object_gets_invalid_request(string line)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var error = (await connection.ExchangeAsync(line)).Single();
        Assert.That(Code(error), Is.EqualTo("invalid_request"), error.ToJsonString());
    }

    [Test]
    public async Task F8_bytes_after_the_last_line_feed_are_not_a_frame()
    {
        await using (var connection = await ConformanceTarget.ConnectAsync())
        {
            await connection.SendAsync(Status("whole") + Status("cut").TrimEnd('\n'));
            var frames = await connection.ReadUntilFinalAsync();
            Assert.That(frames.Select(Id), Is.EqualTo(new[] { "whole" }));
            connection.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.That(await connection.IsClosedByDaemonAsync(TimeSpan.FromSeconds(10)), Is.True, "no answer to the unterminated frame");
        }
        Assert.That((await ConformanceTarget.StatusAsync())["type"]!.GetValue<string>(), Is.EqualTo("status"));
    }

    [Test]
    public async Task F9_garbage_that_cannot_become_a_frame_is_refused_before_its_line_ends()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        // No line feed yet: a daemon that waits for one would not answer.
        await connection.SendAsync(Encoding.ASCII.GetBytes(new string('x', 256 * 1024)));
        var error = await connection.ReadFrameAsync(TimeSpan.FromSeconds(10));
        Assert.That(Code(error!), Is.EqualTo("invalid_request"));
        await connection.SendAsync(Encoding.ASCII.GetBytes(new string('x', 256 * 1024) + "\n"));
        Assert.That((await connection.ExchangeAsync(Status("after"))).Select(Type), Is.EqualTo(new[] { "status" }));
    }
}
