using System.IO.Pipelines;
using System.Text;
using NUnit.Framework;
using Toasted.Protocol;
using Toasted.Protocol.Framing;

namespace Toasted.Protocol.Tests;

public class FrameReaderTests
{
    private const int MiB = 1024 * 1024;

    [Test]
    public async Task Frames_split_across_reads_are_joined()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader);
        var bytes = Encoding.UTF8.GetBytes("{\"a\":1}\n{\"b\":\"two\"}\n");
        var writing = Task.Run(async () =>
        {
            foreach (var single in bytes)
            {
                await pipe.Writer.WriteAsync(new[] { single });
                await Task.Yield();
            }
            await pipe.Writer.CompleteAsync();
        });

        Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo("{\"a\":1}"));
        Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo("{\"b\":\"two\"}"));
        Assert.That((await reader.ReadAsync(CancellationToken.None)).Status, Is.EqualTo(FrameReadStatus.EndOfStream));
        await writing;
    }

    [Test]
    public async Task Several_frames_in_one_read_come_out_one_at_a_time()
    {
        var reader = ReaderOver("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n"u8.ToArray());
        for (var n = 1; n <= 3; n++)
            Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo($"{{\"n\":{n}}}"));
        Assert.That((await reader.ReadAsync(CancellationToken.None)).Status, Is.EqualTo(FrameReadStatus.EndOfStream));
    }

    [Test]
    public async Task Carriage_returns_before_the_newline_and_empty_lines_are_not_frames()
    {
        var reader = ReaderOver("\n\r\n{\"a\":1}\r\n\n{\"b\":2}\n"u8.ToArray());
        Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo("{\"a\":1}"));
        Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo("{\"b\":2}"));
    }

    [Test]
    public async Task An_unterminated_tail_at_end_of_stream_is_not_a_frame()
    {
        var reader = ReaderOver("{\"a\":1}\n{\"cut\":"u8.ToArray());
        Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo("{\"a\":1}"));
        Assert.That((await reader.ReadAsync(CancellationToken.None)).Status, Is.EqualTo(FrameReadStatus.EndOfStream));
    }

    [Test]
    public async Task A_frame_of_exactly_the_cap_is_accepted_and_one_byte_more_is_refused()
    {
        var atCap = new byte[WireProtocol.MaxFrameBytes + 1];
        atCap.AsSpan().Fill((byte)'a');
        atCap[^1] = (byte)'\n';
        var result = await ReaderOver(atCap).ReadAsync(CancellationToken.None);
        Assert.That(result.Status, Is.EqualTo(FrameReadStatus.Frame));
        Assert.That(result.Frame, Has.Length.EqualTo(WireProtocol.MaxFrameBytes));

        var overCap = new byte[WireProtocol.MaxFrameBytes + 2];
        overCap.AsSpan().Fill((byte)'a');
        overCap[^1] = (byte)'\n';
        Assert.That((await ReaderOver(overCap).ReadAsync(CancellationToken.None)).Status, Is.EqualTo(FrameReadStatus.TooLarge));
    }

    [Test]
    public async Task A_65_MiB_frame_is_refused_as_it_crosses_the_cap_without_being_held_whole()
    {
        var source = new GeneratedStream(65L * MiB, then: "\n{\"next\":true}\n"u8.ToArray());
        var reader = new FrameReader(PipeReader.Create(source));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var result = await reader.ReadAsync(CancellationToken.None);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.That(result.Status, Is.EqualTo(FrameReadStatus.TooLarge));
        // Refused as soon as the buffered bytes crossed the cap, not after the whole line arrived.
        Assert.That(source.BytesRead, Is.LessThanOrEqualTo(WireProtocol.MaxFrameBytes + MiB));
        // The buffered bytes are at most the cap; a reader that assembled the frame would need twice that.
        Assert.That(allocated, Is.LessThan(WireProtocol.MaxFrameBytes + 16L * MiB));

        // The rest of the refused frame is skipped and the stream stays usable.
        Assert.That(Text(await reader.ReadAsync(CancellationToken.None)), Is.EqualTo("{\"next\":true}"));
        Assert.That(source.BytesRead, Is.EqualTo(source.Length));
    }

    [Test]
    public async Task With_a_small_cap_memory_stays_small_while_a_65_MiB_frame_streams_past()
    {
        var source = new GeneratedStream(65L * MiB, then: "\n{\"next\":true}\n"u8.ToArray());
        var reader = new FrameReader(PipeReader.Create(source), maxFrameBytes: MiB);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var refused = await reader.ReadAsync(CancellationToken.None);
        var readAtRefusal = source.BytesRead;
        var next = await reader.ReadAsync(CancellationToken.None);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.That(refused.Status, Is.EqualTo(FrameReadStatus.TooLarge));
        Assert.That(readAtRefusal, Is.LessThanOrEqualTo(MiB + 64 * 1024));
        Assert.That(Text(next), Is.EqualTo("{\"next\":true}"));
        Assert.That(allocated, Is.LessThan(8L * MiB), "skipping the refused frame must not buffer it");
    }

    private static FrameReader ReaderOver(byte[] bytes) => new(PipeReader.Create(new MemoryStream(bytes)));

    private static string Text(FrameReadResult result)
    {
        Assert.That(result.Status, Is.EqualTo(FrameReadStatus.Frame));
        return Encoding.UTF8.GetString(result.Frame);
    }

    /// <summary>Produces <c>length</c> bytes of 'a' without holding them, then a tail; counts what was read.</summary>
    private sealed class GeneratedStream(long length, byte[] then) : Stream
    {
        private long _position;

        public long BytesRead => _position;
        public override long Length { get; } = length + then.Length;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var filler = (int)Math.Clamp(length - _position, 0, buffer.Length);
            buffer[..filler].Fill((byte)'a');
            _position += filler;
            var written = filler;
            while (written < buffer.Length && _position < Length)
                buffer[written++] = then[_position++ - length];
            return written;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
