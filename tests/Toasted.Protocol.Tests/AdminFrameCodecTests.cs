using System.Text;
using NUnit.Framework;
using Toasted.Protocol.Admin;
using Toasted.Protocol.Messages;

namespace Toasted.Protocol.Tests;

public class AdminFrameCodecTests
{
    [Test]
    public void Admin_frames_are_one_line_with_type_then_time_first_and_snake_case_names()
    {
        var line = AdminFrameCodec.Encode(new RequestStartedFrame
        {
            Time = "2026-12-02T05:00:00.000Z", RequestId = "r1", Connection = 3, ClientPid = 42, ClientUid = 1000, PromptTokens = 5,
        });
        var text = Encoding.UTF8.GetString(line);

        Assert.That(text, Does.StartWith("{\"type\":\"request_started\",\"time\":\"2026-12-02T05:00:00.000Z\","));
        Assert.That(text, Does.EndWith("}\n"));
        Assert.That(text.Count(character => character == '\n'), Is.EqualTo(1));
        Assert.That(text, Does.Contain("\"client_pid\":42").And.Contain("\"prompt_tokens\":5"));
        Assert.That(text, Does.Not.Contain("max_tokens"), "absent optional fields are omitted");
    }

    [Test]
    public void Every_admin_frame_round_trips()
    {
        AdminFrame[] frames =
        [
            new SnapshotFrame { Time = "t", State = DaemonStates.Loading, Pid = 7, Model = new AdminModel { Path = "/m.gguf" }, Loading = new LoadProgress { Phase = "bind_tensors", Done = 3, Total = 9 } },
            new StateFrame { Time = "t", State = DaemonStates.Ready },
            new LoadingFrame { Time = "t", Phase = "open", Done = 0, Total = 1 },
            new RequestStartedFrame { Time = "t", RequestId = "a", Connection = 1, PromptTokens = 4, MaxTokens = 8 },
            new RequestFinishedFrame { Time = "t", RequestId = "a", Connection = 1, StopReason = StopReasons.MaxTokens, Usage = new Usage { PromptTokens = 4, CompletionTokens = 8 } },
            new QueueFrame { Time = "t", Depth = 2, Capacity = 64, ActiveRequests = 1 },
            new AdminErrorFrame { Time = "t", Code = ErrorCodes.QueueFull, Message = "full", RequestId = "b", Connection = 2 },
        ];
        foreach (var frame in frames)
        {
            var line = AdminFrameCodec.Encode(frame);
            var decoded = AdminFrameCodec.Decode(line.AsSpan(0, line.Length - 1));
            Assert.That(decoded, Is.TypeOf(frame.GetType()));
            Assert.That(AdminFrameCodec.Encode(decoded!), Is.EqualTo(line), frame.Type);
        }
    }

    [Test]
    public void Unknown_admin_frame_types_decode_to_null_so_watchers_skip_them()
    {
        Assert.That(AdminFrameCodec.Decode("""{"type":"kv_cache_evicted","time":"t","tokens":12}"""u8), Is.Null);
        Assert.That(AdminFrameCodec.Decode("""{"type":"queue","time":"t","depth":1,"capacity":4,"active_requests":1,"later_field":true}"""u8),
            Is.TypeOf<QueueFrame>().With.Property("Depth").EqualTo(1));
    }

    [Test]
    public void Only_a_line_of_type_snapshot_is_a_snapshot_request()
    {
        Assert.That(AdminFrameCodec.TypeOf("""{"type":"snapshot"}"""u8), Is.EqualTo(AdminFrameTypes.SnapshotRequest));
        Assert.That(AdminFrameCodec.TypeOf("""{"wire_version":1,"id":"x","type":"snapshot"}"""u8), Is.EqualTo(AdminFrameTypes.SnapshotRequest));
        Assert.That(AdminFrameCodec.TypeOf("not json"u8), Is.Null);
        Assert.That(AdminFrameCodec.TypeOf("[1,2]"u8), Is.Null);
    }

    [Test]
    public void A_malformed_known_frame_is_a_protocol_error()
    {
        Assert.Throws<ProtocolException>(() => AdminFrameCodec.Decode("""{"type":"queue","depth":"deep"}"""u8));
    }

    [TestCase("/run/user/1000/toasted/toasted.sock", "/run/user/1000/toasted/toasted.admin.sock")]
    [TestCase("/tmp/x/daemon.sock", "/tmp/x/daemon.admin.sock")]
    [TestCase("/tmp/x/daemon", "/tmp/x/daemon.admin.sock")]
    public void The_admin_socket_lies_beside_the_main_socket(string main, string admin) =>
        Assert.That(AdminSocketLocation.For(main), Is.EqualTo(admin));
}
