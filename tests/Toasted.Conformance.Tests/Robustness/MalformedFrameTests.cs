using System.Text;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Robustness;

/// <summary>Hostile input on the real socket: the daemon refuses it without holding it, and serves on.</summary>
[Category("DaemonRobustness")]
public class MalformedFrameTests
{
    private const int MiB = 1024 * 1024;

    [Test]
    public async Task A_65_MiB_frame_of_garbage_is_refused_without_the_daemon_holding_it()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "1024");
        await using var connection = await RawConnection.ConnectAsync(daemon.SocketPath);
        // Warm up what a first request allocates, so that the peak below is the frame's doing.
        for (var index = 0; index < 3; index++) await connection.ExchangeAsync(Generate("warm" + index, "Once upon a time", 8));
        var peakBefore = ProcessMemory.PeakResident(daemon.ProcessId);

        var frame = new byte[65 * MiB + 1];
        frame.AsSpan().Fill((byte)'x');
        frame[^1] = (byte)'\n';
        var sending = connection.SendAsync(frame);
        var error = await connection.ReadFrameAsync();
        await sending;
        var after = await connection.ExchangeAsync(Generate("after", "Once upon a time", 8));

        var growth = ProcessMemory.PeakResident(daemon.ProcessId) - peakBefore;
        TestContext.Out.WriteLine($"peak resident set before {peakBefore / MiB} MiB, growth {growth / (double)MiB:F1} MiB");
        Assert.That((Code(error!), Id(error!)), Is.EqualTo(("invalid_request", "")), error!.ToJsonString());
        Assert.That(Type(after[^1]), Is.EqualTo("done"), Describe(after));
        // Holding the frame would add its 65 MiB. What arrives while the reader is answering waits in the receive
        // pipe until the reader skips it, so the peak moves by how far the reader lags: 2–18 MiB over runs on a busy
        // 2-vCPU machine. Half the frame separates the two with room for that lag.
        Assert.That(growth, Is.LessThan(32 * MiB), "the frame was never held");
    }

    [Test]
    public async Task Ten_thousand_generated_malformed_frames_leave_the_daemon_alive_and_serving()
    {
        await using var daemon = await OwnDaemon.StartAsync("--context", "256");
        var frames = MalformedFrame().Sample(10_000);
        var answered = 0;
        var connection = await RawConnection.ConnectAsync(daemon.SocketPath);
        try
        {
            foreach (var frame in frames)
            {
                await connection.SendAsync(frame);
                var answer = await connection.ReadUntilFinalAsync(TimeSpan.FromSeconds(30));
                Assert.That(answer, Is.Not.Empty, "no answer to: " + Encoding.UTF8.GetString(frame));
                var final = answer[^1];
                Assert.That(IsFinal(final), Is.True, Describe(answer));
                if (Type(final) == "error") Assert.That(Code(final), Is.AnyOf(ErrorCodes), final.ToJsonString());
                answered++;
                if (Code(final) == "wire_version_unsupported")
                {
                    // The daemon closes after this one: a client starts a new connection.
                    await connection.DisposeAsync();
                    connection = await RawConnection.ConnectAsync(daemon.SocketPath);
                }
            }
        }
        finally
        {
            await connection.DisposeAsync();
        }

        Assert.That(answered, Is.EqualTo(10_000));
        Assert.That(daemon.HasExited, Is.False);
        await using var check = await RawConnection.ConnectAsync(daemon.SocketPath);
        var served = await check.ExchangeAsync(Generate("check", "Once upon a time", 8));
        Assert.That(Type(served[^1]), Is.EqualTo("done"), Describe(served));
        Assert.That(OwnDaemon.IsIdleWithEmptyQueue(await OwnDaemon.StatusAsync(daemon)), Is.True);
        TestContext.Out.WriteLine($"{answered} malformed frames answered");
    }

    private static readonly string[] ValidFrames =
    [
        "{\"wire_version\":1,\"id\":\"m\",\"type\":\"generate\",\"prompt\":\"Once upon a time\",\"max_tokens\":1,\"temperature\":0}",
        "{\"wire_version\":1,\"id\":\"m\",\"type\":\"generate\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}",
        "{\"wire_version\":1,\"id\":\"m\",\"type\":\"tokenize\",\"text\":\"Once upon a time\",\"add_special\":true}",
        "{\"wire_version\":1,\"id\":\"m\",\"type\":\"status\"}",
    ];

    private static readonly string[] JsonValues =
        ["null", "true", "-1", "0", "1e309", "3.5", "\"\"", "\"x\"", "[]", "[1,\"a\"]", "{}", "{\"a\":{}}", "18446744073709551616", "\"\\ud800\""];

    private static readonly string[] Fields =
        ["wire_version", "id", "type", "prompt", "messages", "max_tokens", "temperature", "top_k", "top_p", "min_p", "repeat_penalty", "seed", "stop", "stream", "model", "text", "add_special", "parse_special"];

    /// <summary>One frame (line feed included) from five families: random bytes, a valid request cut
    /// short, a valid request with a byte changed, a valid request with bytes that are not UTF-8
    /// spliced in, and a request whose field holds a value of any JSON type.</summary>
    private static Gen<byte[]> MalformedFrame()
    {
        var anyByteButLineFeed = Gen.Choose(0, 255).Where(value => value != '\n').Select(value => (byte)value);
        var randomBytes = Gen.Choose(1, 200).SelectMany(length => Gen.ArrayOf(anyByteButLineFeed, length))
            .Where(bytes => !(bytes.Length == 1 && bytes[0] == '\r'));
        var valid = Gen.Elements(ValidFrames).Select(Encoding.UTF8.GetBytes);
        var cutShort = valid.SelectMany(bytes => Gen.Choose(1, bytes.Length - 1).Select(length => bytes[..length]))
            .Where(bytes => !(bytes.Length == 1 && bytes[0] == '\r'));
        var byteChanged = valid.SelectMany(bytes => Gen.Choose(0, bytes.Length - 1).SelectMany(index => anyByteButLineFeed.Select(value =>
        {
            var copy = (byte[])bytes.Clone();
            copy[index] = value;
            return copy;
        })));
        var notUtf8 = valid.SelectMany(bytes => Gen.Choose(1, bytes.Length - 1).SelectMany(index =>
            Gen.Elements(new byte[] { 0x80 }, new byte[] { 0xC3, 0x28 }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF8, 0x88, 0x80, 0x80 }, new byte[] { 0xFF })
                .Select(bad => bytes[..index].Concat(bad).Concat(bytes[index..]).ToArray())));
        var illTyped = Gen.Elements(Fields).SelectMany(field => Gen.Elements(JsonValues).SelectMany(value => Gen.Elements(ValidFrames).Select(frame =>
            Encoding.UTF8.GetBytes(frame[..^1] + $",\"{field}\":{value}}}"))));
        return Gen.OneOf(randomBytes, cutShort, byteChanged, notUtf8, illTyped)
            .Select(frame => frame.Concat("\n"u8.ToArray()).ToArray());
    }
}
