using NUnit.Framework;
using static Toasted.Conformance.Tests.Frames;

namespace Toasted.Conformance.Tests.Rules;

/// <summary>docs/protocol.md §3 Common fields and §5 Requests, one test per rule.</summary>
[Category("ProtocolConformance")]
public class RequestRules
{
    [Test]
    public async Task R1_a_request_without_wire_version_gets_invalid_request_with_its_id()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var error = (await connection.ExchangeAsync("{\"id\":\"r1\",\"type\":\"status\"}")).Single();
        Assert.That((Code(error), Id(error)), Is.EqualTo(("invalid_request", "r1")));
    }

    [TestCase("2")]
    [TestCase("0")]
    [TestCase("\"1\"")]
    public async Task R2_a_wire_version_other_than_1_gets_wire_version_unsupported_then_the_connection_closes(string version)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        await connection.SendAsync($"{{\"wire_version\":{version},\"id\":\"r2\",\"type\":\"status\"}}\n");
        var error = await connection.ReadFrameAsync();
        if (version == "\"1\"")
        {
            // A string is not an integer: an ill-typed field, so the frame is invalid, not of another version.
            Assert.That(Code(error!), Is.EqualTo("invalid_request"));
            return;
        }
        Assert.That((Code(error!), Id(error!)), Is.EqualTo(("wire_version_unsupported", "r2")));
        Assert.That(await connection.IsClosedByDaemonAsync(TimeSpan.FromSeconds(5)), Is.True, "the daemon closes after the error");
    }

    [TestCase("{\"wire_version\":1,\"type\":\"status\"}")]
    [TestCase("{\"wire_version\":1,\"id\":\"\",\"type\":\"status\"}")]
    [TestCase("{\"wire_version\":1,\"id\":7,\"type\":\"status\"}")]
    public async Task R3_a_request_without_a_non_empty_string_id_gets_invalid_request_with_an_empty_id(string line)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var error = (await connection.ExchangeAsync(line)).Single();
        Assert.That((Code(error), Id(error)), Is.EqualTo(("invalid_request", "")));
    }

    [TestCase("{\"wire_version\":1,\"id\":\"r4\",\"type\":\"embed\"}")]
    [TestCase("{\"wire_version\":1,\"id\":\"r4\"}")]
    [TestCase("{\"wire_version\":1,\"id\":\"r4\",\"type\":\"done\"}")]
    public async Task R4_a_missing_or_unknown_type_gets_invalid_request_with_the_id(string line)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var error = (await connection.ExchangeAsync(line)).Single();
        Assert.That((Code(error), Id(error)), Is.EqualTo(("invalid_request", "r4")));
    }

    [Test]
    public async Task R5_unknown_fields_are_ignored()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var frames = await connection.ExchangeAsync(
            "{\"wire_version\":1,\"id\":\"r5\",\"type\":\"generate\",\"prompt\":\"Once upon a time\",\"max_tokens\":2,\"temperature\":0,"
            + "\"future_field\":{\"nested\":[1,2,{\"x\":null}]},\"another\":true}");
        Assert.That(Type(frames[^1]), Is.EqualTo("done"), Describe(frames));
    }

    [Test]
    public async Task R6_optional_fields_sent_as_null_mean_the_same_as_omitted()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var withNulls = await connection.ExchangeAsync(Generate("r6", "Once upon a time", 8,
            "\"top_k\":null,\"top_p\":null,\"min_p\":null,\"seed\":null,\"stop\":null,\"stream\":null,\"model\":null,\"messages\":null"));
        var without = await connection.ExchangeAsync(Generate("r6b", "Once upon a time", 8));
        Assert.That(Type(withNulls[^1]), Is.EqualTo("done"), Describe(withNulls));
        Assert.That(Text(withNulls), Is.EqualTo(Text(without)));
    }

    [TestCase("\"max_tokens\":0")]
    [TestCase("\"max_tokens\":-3")]
    [TestCase("\"max_tokens\":\"8\"")]
    [TestCase("\"temperature\":-1")]
    [TestCase("\"top_k\":-1")]
    [TestCase("\"top_p\":0")]
    [TestCase("\"top_p\":1.5")]
    [TestCase("\"min_p\":2")]
    [TestCase("\"repeat_penalty\":0")]
    [TestCase("\"seed\":-1")]
    [TestCase("\"stop\":[\"\"]")]
    [TestCase("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]")]
    [TestCase("\"stream\":\"yes\"")]
    [TestCase("\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]")]
    public async Task R7_a_generate_field_out_of_range_or_ill_typed_gets_invalid_request(string member)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var line = "{\"wire_version\":1,\"id\":\"r7\",\"type\":\"generate\",\"prompt\":\"Once\"," + member + "}";
        var frames = await connection.ExchangeAsync(line);
        Assert.That(frames.Select(Type), Is.EqualTo(new[] { "error" }), Describe(frames));
        Assert.That((Code(frames[0]), Id(frames[0])), Is.EqualTo(("invalid_request", "r7")));
    }

    [TestCase("{\"wire_version\":1,\"id\":\"r8\",\"type\":\"generate\"}")]
    [TestCase("{\"wire_version\":1,\"id\":\"r8\",\"type\":\"generate\",\"messages\":[]}")]
    [TestCase("{\"wire_version\":1,\"id\":\"r8\",\"type\":\"generate\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}")]
    public async Task R8_generate_needs_exactly_one_of_messages_and_prompt_with_known_roles(string line)
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var error = (await connection.ExchangeAsync(line)).Single();
        Assert.That((Code(error), Id(error)), Is.EqualTo(("invalid_request", "r8")));
    }

    [Test]
    public async Task R9_generate_with_messages_is_answered_by_the_model()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var frames = await connection.ExchangeAsync(
            "{\"wire_version\":1,\"id\":\"r9\",\"type\":\"generate\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell a story.\"}],\"max_tokens\":4,\"temperature\":0}");
        Assert.That(Type(frames[^1]), Is.EqualTo("done"), Describe(frames));
        Assert.That(frames[^1]["usage"]!["completion_tokens"]!.GetValue<int>(), Is.InRange(0, 4));
    }

    [Test]
    public async Task R10_a_model_the_daemon_does_not_serve_gets_model_unavailable()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var generate = (await connection.ExchangeAsync(Generate("r10", "Once", 2, "\"model\":\"no-such-model-q4_k_m.gguf\""))).Single();
        var tokenize = (await connection.ExchangeAsync(
            "{\"wire_version\":1,\"id\":\"r10t\",\"type\":\"tokenize\",\"text\":\"x\",\"model\":\"/no/such/model.gguf\"}")).Single();
        Assert.That((Code(generate), Code(tokenize)), Is.EqualTo(("model_unavailable", "model_unavailable")));
    }

    [Test]
    public async Task R11_tokenize_answers_with_token_ids_and_needs_text()
    {
        await using var connection = await ConformanceTarget.ConnectAsync();
        var tokens = (await connection.ExchangeAsync(Tokenize("r11", "Once upon a time"))).Single();
        Assert.That(Type(tokens), Is.EqualTo("tokens"));
        Assert.That(tokens["tokens"]!.AsArray().Select(id => id!.GetValue<int>()), Is.Not.Empty.And.All.GreaterThanOrEqualTo(0));
        var missing = (await connection.ExchangeAsync("{\"wire_version\":1,\"id\":\"r11b\",\"type\":\"tokenize\"}")).Single();
        Assert.That(Code(missing), Is.EqualTo("invalid_request"));
    }

    [Test]
    public async Task R12_status_reports_wire_version_1_the_context_and_the_queue()
    {
        var status = await ConformanceTarget.StatusAsync();
        Assert.That(status["wire_version"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(status["state"]!.GetValue<string>(), Is.AnyOf("idle", "busy"));
        Assert.That(status["context_length"]!.GetValue<int>(), Is.GreaterThan(0));
        Assert.That(status["queue_capacity"]!.GetValue<int>(), Is.GreaterThan(0));
        Assert.That(status["queue_depth"]!.GetValue<int>(), Is.GreaterThanOrEqualTo(0));
    }
}
