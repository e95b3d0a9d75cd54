using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using Toasted.Protocol;
using Toasted.Protocol.Messages;
using Toasted.Protocol.Serialization;

namespace Toasted.Protocol.Tests;

public class FrameCodecTests
{
    [Test]
    public void The_generate_example_of_the_design_decodes_with_every_field()
    {
        var request = Decode("""{"wire_version":1,"id":"r1","type":"generate","messages":[{"role":"user","content":"hi"}],"max_tokens":32}""");

        var generate = (GenerateRequest)request;
        Assert.That(generate.Id, Is.EqualTo("r1"));
        Assert.That(generate.MaxTokens, Is.EqualTo(32));
        Assert.That(generate.Messages!.Single().Role, Is.EqualTo("user"));
        Assert.That(generate.Messages!.Single().Content, Is.EqualTo("hi"));
        Assert.That(generate.Prompt, Is.Null);
        Assert.That(generate.Stream, Is.Null, "absent fields stay absent so the daemon applies its defaults");
    }

    [Test]
    public void Requests_are_written_with_snake_case_names_and_the_header_first()
    {
        var line = Encoding.UTF8.GetString(FrameCodec.Encode(new GenerateRequest { Id = "r1", Prompt = "x", MaxTokens = 3, TopK = 5 }));

        Assert.That(line, Does.StartWith("""{"wire_version":1,"id":"r1","type":"generate","""));
        Assert.That(line, Does.Contain("\"max_tokens\":3").And.Contain("\"top_k\":5"));
        Assert.That(line, Does.Not.Contain("null"), "absent optional fields are omitted");
        Assert.That(line.IndexOf('\n'), Is.EqualTo(line.Length - 1), "exactly one newline, at the end");
    }

    [Test]
    public void Every_request_type_round_trips()
    {
        var generate = new GenerateRequest
        {
            Id = "g", Model = "m.gguf", Prompt = "Once upon a time", MaxTokens = 64, Temperature = 0, TopK = 40, TopP = 0.9f,
            MinP = 0.05f, RepeatPenalty = 1.1f, Seed = ulong.MaxValue, Stop = ["\n\n", "END"], Stream = false,
        };
        var back = (GenerateRequest)RoundTrip(generate);
        Assert.That(back, Is.EqualTo(generate).UsingPropertiesComparer());

        var chat = new GenerateRequest { Id = "c", Messages = [new() { Role = "system", Content = "be brief" }, new() { Role = "user", Content = "ünïcødé ✓ 🍞" }] };
        var chatBack = (GenerateRequest)RoundTrip(chat);
        Assert.That(chatBack.Messages!.Select(m => (m.Role, m.Content)), Is.EqualTo(chat.Messages!.Select(m => (m.Role, m.Content))));

        var tokenize = new TokenizeRequest { Id = "t", Text = "Once upon a time", AddSpecial = true, ParseSpecial = false };
        Assert.That((TokenizeRequest)RoundTrip(tokenize), Is.EqualTo(tokenize).UsingPropertiesComparer());

        Assert.That(RoundTrip(new StatusRequest { Id = "s" }), Is.TypeOf<StatusRequest>().With.Property("Id").EqualTo("s"));
    }

    [Test]
    public void Every_response_type_round_trips()
    {
        ResponseFrame[] frames =
        [
            new QueuedFrame { Id = "a", Position = 2 },
            new TokenFrame { Id = "a", Text = " there\n\"quoted\" ✓" },
            new DoneFrame
            {
                Id = "a", StopReason = StopReasons.MaxTokens,
                Usage = new Usage { PromptTokens = 5, CompletionTokens = 64 },
                Timings = new Timings { QueuedMs = 1.5, PrefillMs = 2.25, DecodeMs = 100, TotalMs = 104, DecodeTokensPerSecond = 640 },
            },
            new TokensFrame { Id = "a", Tokens = [1, 403, 407, 261, 378] },
            new StatusFrame
            {
                Id = "a", State = "idle", Version = "0.1.0", ContextLength = 256, QueueDepth = 0, QueueCapacity = 64, UptimeMs = 12,
                Model = new ModelStatus { Path = "/m.gguf", Name = "stories", Architecture = "llama", ContextLength = 512, VocabSize = 512, ParameterCount = 260_000, HasChatTemplate = false },
            },
            new ErrorFrame { Id = "a", Code = ErrorCodes.ContextOverflow, Message = "too long", PromptTokens = 300, RequestedTokens = 0, ContextLength = 256 },
        ];
        foreach (var frame in frames)
        {
            var line = FrameCodec.Encode(frame);
            var back = FrameCodec.DecodeResponse(line.AsSpan(0, line.Length - 1));
            Assert.That(back.GetType(), Is.EqualTo(frame.GetType()));
            Assert.That(back, Is.EqualTo(frame).UsingPropertiesComparer(), frame.Type);
            using var json = JsonDocument.Parse(line);
            Assert.That(json.RootElement.GetProperty("type").GetString(), Is.EqualTo(frame.Type));
            Assert.That(json.RootElement.GetProperty("id").GetString(), Is.EqualTo("a"));
        }
    }

    [Test]
    public void Unknown_fields_are_ignored()
    {
        var request = Decode("""{"future":{"nested":[1,{"x":null}]},"wire_version":1,"type":"tokenize","id":"r2","text":"hi","also_new":true}""");
        Assert.That(request, Is.TypeOf<TokenizeRequest>());
        Assert.That(((TokenizeRequest)request).Text, Is.EqualTo("hi"));
    }

    [Test]
    public void Invalid_utf8_is_an_invalid_request()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"wire_version":1,"id":"r","type":"tokenize","text":"ab"}""").ToList();
        bytes.InsertRange(bytes.Count - 3, new byte[] { 0xC3, 0x28 }); // a lead byte followed by a non-continuation byte
        var failure = Assert.Throws<ProtocolException>(() => FrameCodec.DecodeRequest(bytes.ToArray()));
        Assert.That(failure!.Code, Is.EqualTo(ErrorCodes.InvalidRequest));
        Assert.That(failure.Message, Does.Contain("UTF-8"));
    }

    [TestCase("{not json", ErrorCodes.InvalidRequest, null)]
    [TestCase("[1,2]", ErrorCodes.InvalidRequest, null)]
    [TestCase("null", ErrorCodes.InvalidRequest, null)]
    [TestCase("""{"id":"r","type":"status"}""", ErrorCodes.InvalidRequest, "r")]
    [TestCase("""{"wire_version":2,"id":"r","type":"status"}""", ErrorCodes.WireVersionUnsupported, "r")]
    [TestCase("""{"wire_version":1,"type":"status"}""", ErrorCodes.InvalidRequest, null)]
    [TestCase("""{"wire_version":1,"id":"r","type":"launch"}""", ErrorCodes.InvalidRequest, "r")]
    [TestCase("""{"wire_version":1,"id":"r"}""", ErrorCodes.InvalidRequest, "r")]
    [TestCase("""{"wire_version":1,"id":"r","type":"generate","max_tokens":"many"}""", ErrorCodes.InvalidRequest, "r")]
    [TestCase("""{"wire_version":"1","id":"r","type":"status"}""", ErrorCodes.InvalidRequest, null)]
    public void Bad_requests_get_their_typed_error_and_keep_their_id(string frame, string code, string? id)
    {
        var failure = Assert.Throws<ProtocolException>(() => Decode(frame));
        Assert.That(failure!.Code, Is.EqualTo(code));
        Assert.That(failure.RequestId, Is.EqualTo(id));
        Assert.That(failure.Message, Is.Not.Empty);
    }

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public Property Any_text_survives_a_token_frame_on_one_line(NonNull<string> generated)
    {
        // Lone surrogates cannot be sent as UTF-8; the engine never produces them.
        var text = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(generated.Get));
        var line = FrameCodec.Encode(new TokenFrame { Id = "p", Text = text });
        var back = (TokenFrame)FrameCodec.DecodeResponse(line.AsSpan(0, line.Length - 1));
        return (back.Text == text && Array.IndexOf(line, (byte)'\n') == line.Length - 1).ToProperty();
    }

    private static RequestFrame Decode(string json) => FrameCodec.DecodeRequest(Encoding.UTF8.GetBytes(json));

    private static RequestFrame RoundTrip(RequestFrame request)
    {
        var line = FrameCodec.Encode(request);
        return FrameCodec.DecodeRequest(line.AsSpan(0, line.Length - 1));
    }
}
