using System.IO.Pipelines;
using System.Text;
using NUnit.Framework;
using Toasted.Protocol.Framing;

namespace Toasted.Protocol.Tests;

public class JsonPrefixCheckTests
{
    [Test]
    public async Task Garbage_is_refused_before_its_newline_and_the_next_frame_is_read()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader, 1024, new JsonPrefixCheck());
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(new string('x', 100)));

        var refused = await reader.ReadAsync(CancellationToken.None);
        Assert.That(refused.Status, Is.EqualTo(FrameReadStatus.Malformed));
        Assert.That(refused.Reason, Is.Not.Empty);

        // The rest of the line, however long, is dropped as it arrives; the next line is a frame.
        for (var index = 0; index < 10; index++) await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(new string('x', 1000)));
        await pipe.Writer.WriteAsync("\n{\"ok\":true}\n"u8.ToArray());
        var next = await reader.ReadAsync(CancellationToken.None);
        Assert.That((next.Status, Encoding.UTF8.GetString(next.Frame)), Is.EqualTo((FrameReadStatus.Frame, "{\"ok\":true}")));
    }

    [Test]
    public async Task A_valid_prefix_arriving_byte_by_byte_is_held_until_its_newline()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader, 1024, new JsonPrefixCheck());
        var frame = "{\"wire_version\":1,\"id\":\"a\",\"type\":\"tokenize\",\"text\":\"caf\u00e9 [1, 2]\",\"x\":[true,null,-1.5e3]}"u8.ToArray();
        var writing = Task.Run(async () =>
        {
            foreach (var single in frame.Append((byte)'\n'))
            {
                await pipe.Writer.WriteAsync(new[] { single });
                await Task.Yield();
            }
        });
        var read = await reader.ReadAsync(CancellationToken.None);
        await writing;
        Assert.That(read.Status, Is.EqualTo(FrameReadStatus.Frame));
        Assert.That(read.Frame, Is.EqualTo(frame));
    }

    [TestCase("{\"a\":1} trailing")]
    [TestCase("[1,]")]
    [TestCase("{\"a\" 1}")]
    [TestCase("nul!")]
    public void Bytes_that_break_JSON_syntax_are_refused(string prefix)
    {
        var check = new JsonPrefixCheck();
        var accepted = check.TryAdvance(new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(prefix)), out _, out var reason);
        Assert.That((accepted, reason is not null), Is.EqualTo((false, true)));
    }

    [Test]
    public void A_cut_off_token_is_read_again_with_the_bytes_that_complete_it()
    {
        var check = new JsonPrefixCheck();
        var bytes = "{\"text\":\"abc"u8.ToArray();
        Assert.That(check.TryAdvance(new System.Buffers.ReadOnlySequence<byte>(bytes), out var consumed, out _), Is.True);
        Assert.That(consumed, Is.LessThan(bytes.Length), "the unfinished string is left for the next read");
        var rest = bytes[(int)consumed..].Concat("def\"}"u8.ToArray()).ToArray();
        Assert.That(check.TryAdvance(new System.Buffers.ReadOnlySequence<byte>(rest), out consumed, out _), Is.True);
        Assert.That(consumed, Is.EqualTo(rest.Length));
    }
}
