using System.Text;
using NUnit.Framework;
using Toasted.Protocol;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>
/// The real toasted process on the real stories260K model over a real socket, checked against
/// llama.cpp's answers in the kit. One daemon serves the whole fixture, as it would serve a shell.
/// Its context is larger than the golden run's 256 so that a generation can run long enough to be
/// interrupted or queued behind; greedy output does not depend on the context size.
/// </summary>
public class DaemonEndToEndTests
{
    private const int Context = 1024;
    private DaemonProcess _daemon = null!;
    private string _modelPath = "";

    [OneTimeSetUp]
    public async Task StartDaemonAsync()
    {
        _modelPath = SharedKit.Require(StoriesGolden.ModelFile);
        _daemon = await DaemonProcess.StartAsync(_modelPath, ["--context", Context.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "1"]);
    }

    [OneTimeTearDown]
    public async Task StopDaemonAsync()
    {
        if (_daemon is not null) await _daemon.DisposeAsync();
    }

    public static IEnumerable<TestCaseData> GoldenPrompts() =>
        StoriesGolden.Load().Select(prompt => new TestCaseData(prompt).SetArgDisplayNames(prompt.Prompt));

    [Test]
    public async Task Status_describes_the_loaded_model_and_an_idle_slot()
    {
        await using var connection = await ConnectAsync();
        var status = (StatusFrame)(await Exchange.RunAsync(connection, new StatusRequest { Id = "s1" })).Final!;

        Assert.That(status.Id, Is.EqualTo("s1"));
        Assert.That(status.State, Is.EqualTo("idle"));
        Assert.That(status.WireVersion, Is.EqualTo(WireProtocol.Version));
        Assert.That(status.Model!.Path, Is.EqualTo(_modelPath));
        Assert.That(status.Model.Architecture, Is.EqualTo("llama"));
        Assert.That(status.Model.VocabSize, Is.EqualTo(512));
        Assert.That(status.ContextLength, Is.EqualTo(Context));
        Assert.That(status.QueueDepth, Is.Zero);
        Assert.That(status.UptimeMs, Is.GreaterThanOrEqualTo(0));
    }

    [TestCaseSource(nameof(GoldenPrompts))]
    public async Task Tokenize_gives_llama_cpp_token_ids(GoldenPrompt golden)
    {
        await using var connection = await ConnectAsync();
        var exchange = await Exchange.RunAsync(connection, new TokenizeRequest { Id = "t", Text = golden.Prompt, AddSpecial = true, ParseSpecial = true });
        Assert.That(((TokensFrame)exchange.Final!).Tokens, Is.EqualTo(golden.TokenIds), exchange.Describe());
    }

    [TestCaseSource(nameof(GoldenPrompts))]
    public async Task Greedy_generation_streams_llama_cpp_continuation(GoldenPrompt golden)
    {
        await using var connection = await ConnectAsync();
        var steps = golden.ComparableSteps;
        var exchange = await Exchange.RunAsync(connection, Greedy("g", golden.Prompt, steps));

        Assert.That(exchange.Text, Is.EqualTo(golden.StreamedText(steps)), exchange.Describe());
        // Our stream keeps the leading space llama_detokenize drops at the start of a sequence.
        Assert.That(exchange.Text.TrimStart(' '), Is.EqualTo(golden.DetokenizedText.TrimStart(' ')));
        Assert.That(exchange.Done.StopReason, Is.EqualTo(StopReasons.MaxTokens));
        Assert.That(exchange.Done.Usage.PromptTokens, Is.EqualTo(golden.TokenIds.Length));
        Assert.That(exchange.Done.Usage.CompletionTokens, Is.EqualTo(steps));
        Assert.That(exchange.Frames.Count(entry => entry.Frame is TokenFrame), Is.GreaterThan(1), "text is streamed, not sent at the end");
    }

    [Test]
    public async Task Without_streaming_the_text_comes_in_one_token_frame_before_done()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var connection = await ConnectAsync();
        var request = Greedy("ns", golden.Prompt, 16);
        request.Stream = false;
        var exchange = await Exchange.RunAsync(connection, request);

        Assert.That(exchange.Frames.Select(entry => entry.Frame.Type), Is.EqualTo(new[] { "token", "done" }));
        Assert.That(exchange.Text, Is.EqualTo(golden.StreamedText(16)));
    }

    [Test]
    public async Task A_malformed_frame_gets_invalid_request_and_the_connection_still_serves()
    {
        await using var connection = await ConnectAsync();
        await connection.SendRawAsync("{\"wire_version\":1,\"id\":\"bad\",\"type\":\n"u8.ToArray(), CancellationToken.None);
        var error = (ErrorFrame)(await connection.ReadAsync(CancellationToken.None))!;
        Assert.That(error.Code, Is.EqualTo(ErrorCodes.InvalidRequest));

        await connection.SendRawAsync(new byte[] { 0xFF, 0xFE, (byte)'\n' }, CancellationToken.None);
        Assert.That(((ErrorFrame)(await connection.ReadAsync(CancellationToken.None))!).Code, Is.EqualTo(ErrorCodes.InvalidRequest));

        var golden = StoriesGolden.OnceUponATime;
        var exchange = await Exchange.RunAsync(connection, Greedy("after", golden.Prompt, 8));
        Assert.That(exchange.Text, Is.EqualTo(golden.StreamedText(8)), exchange.Describe());
    }

    [Test]
    public async Task A_frame_over_64_MiB_gets_frame_too_large_and_the_connection_still_serves()
    {
        await using var connection = await ConnectAsync();
        // Valid JSON as far as it goes (garbage would be refused at its first byte as invalid_request).
        var oversized = new byte[WireProtocol.MaxFrameBytes + 1024 * 1024 + 1];
        oversized.AsSpan().Fill((byte)'a');
        "{\"wire_version\":1,\"id\":\"big\",\"type\":\"status\",\"padding\":\""u8.CopyTo(oversized);
        oversized[^1] = (byte)'\n';
        await connection.SendRawAsync(oversized, CancellationToken.None);

        var error = (ErrorFrame)(await connection.ReadAsync(CancellationToken.None))!;
        Assert.That(error.Code, Is.EqualTo(ErrorCodes.FrameTooLarge));
        Assert.That((await Exchange.RunAsync(connection, new StatusRequest { Id = "after" })).Final, Is.TypeOf<StatusFrame>());
    }

    [Test]
    public async Task Closing_a_queued_request_takes_it_out_of_the_line()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var running = await ConnectAsync();
        await running.SendAsync(Greedy("running", golden.Prompt, LongGeneration(golden)), CancellationToken.None);
        Assert.That(await running.ReadAsync(CancellationToken.None), Is.TypeOf<TokenFrame>());

        var leaving = await ConnectAsync();
        await leaving.SendAsync(Greedy("leaving", golden.Prompt, 8), CancellationToken.None);
        Assert.That(await leaving.ReadAsync(CancellationToken.None), Is.TypeOf<QueuedFrame>());
        await leaving.DisposeAsync();

        await using var observer = await ConnectAsync();
        StatusFrame status;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do status = (StatusFrame)(await Exchange.RunAsync(observer, new StatusRequest { Id = "depth" })).Final!;
        while (status.QueueDepth != 0 && DateTime.UtcNow < deadline);
        Assert.That(status.QueueDepth, Is.Zero, "the closed request left the queue");

        ResponseFrame? final = null;
        await foreach (var frame in running.ReadResponsesAsync(CancellationToken.None)) final = frame;
        Assert.That(final, Is.TypeOf<DoneFrame>());
    }

    [Test]
    public async Task A_wrong_wire_version_gets_wire_version_unsupported_with_the_id_then_the_connection_closes()
    {
        await using var connection = await ConnectAsync();
        await connection.SendRawAsync("{\"wire_version\":2,\"id\":\"v2\",\"type\":\"status\"}\n"u8.ToArray(), CancellationToken.None);
        var error = (ErrorFrame)(await connection.ReadAsync(CancellationToken.None))!;
        Assert.That((error.Id, error.Code), Is.EqualTo(("v2", ErrorCodes.WireVersionUnsupported)));
        Assert.That(await connection.ReadAsync(CancellationToken.None), Is.Null, "the daemon closed the connection");

        await using var fresh = await ConnectAsync();
        Assert.That((await Exchange.RunAsync(fresh, new StatusRequest { Id = "v1" })).Final, Is.TypeOf<StatusFrame>());
    }

    [Test]
    public async Task Bad_parameters_get_invalid_request_naming_the_field()
    {
        await using var connection = await ConnectAsync();
        var request = Greedy("p", "Once", 8);
        request.TopP = 1.5f;
        var error = (await Exchange.RunAsync(connection, request)).Error;
        Assert.That(error.Code, Is.EqualTo(ErrorCodes.InvalidRequest));
        Assert.That(error.Message, Does.Contain("top_p"));

        var both = new GenerateRequest { Id = "b", Prompt = "x", Messages = [new() { Role = "user", Content = "y" }] };
        Assert.That((await Exchange.RunAsync(connection, both)).Error.Code, Is.EqualTo(ErrorCodes.InvalidRequest));
    }

    [Test]
    public async Task An_oversize_prompt_gets_context_overflow_with_the_counts()
    {
        await using var connection = await ConnectAsync();
        var prompt = new StringBuilder().Insert(0, "Once upon a time there was a dog. ", 400).ToString();
        var error = (await Exchange.RunAsync(connection, Greedy("big", prompt, 8))).Error;

        Assert.That(error.Code, Is.EqualTo(ErrorCodes.ContextOverflow), error.Message);
        Assert.That(error.ContextLength, Is.EqualTo(Context));
        Assert.That(error.PromptTokens, Is.GreaterThan(Context));
        Assert.That(error.RequestedTokens, Is.EqualTo(8));

        var tooMany = (await Exchange.RunAsync(connection, Greedy("many", "Once upon a time", Context))).Error;
        Assert.That(tooMany.Code, Is.EqualTo(ErrorCodes.ContextOverflow));
        Assert.That(tooMany.PromptTokens + tooMany.RequestedTokens, Is.GreaterThan(Context));
    }

    [Test]
    public async Task A_request_for_another_model_gets_model_unavailable()
    {
        await using var connection = await ConnectAsync();
        var request = Greedy("m", "Once", 4);
        request.Model = "llama-3-70b.gguf";
        Assert.That((await Exchange.RunAsync(connection, request)).Error.Code, Is.EqualTo(ErrorCodes.ModelUnavailable));

        request.Model = Path.GetFileName(_modelPath);
        Assert.That((await Exchange.RunAsync(connection, request)).Done.Usage.CompletionTokens, Is.EqualTo(4));
    }

    [Test]
    public async Task A_second_client_is_queued_and_served_after_the_first_with_correct_output()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        var firstStarted = new TaskCompletionSource();
        var longRun = Exchange.RunAsync(first, Greedy("long", golden.Prompt, LongGeneration(golden)), frame =>
        {
            if (frame is TokenFrame) firstStarted.TrySetResult();
            return Task.CompletedTask;
        });
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var secondExchange = await Exchange.RunAsync(second, Greedy("short", golden.Prompt, golden.ComparableSteps));
        var firstExchange = await longRun;

        Assert.That(secondExchange.Frames[0].Frame, Is.TypeOf<QueuedFrame>(), secondExchange.Describe());
        Assert.That(((QueuedFrame)secondExchange.Frames[0].Frame).Position, Is.EqualTo(1));
        Assert.That(secondExchange.Text, Is.EqualTo(golden.StreamedText(golden.ComparableSteps)));
        Assert.That(firstExchange.Text, Does.StartWith(golden.StreamedText(golden.ComparableSteps)));
        Assert.That(firstExchange.Done.Usage.CompletionTokens, Is.EqualTo(LongGeneration(golden)));
        Assert.That(secondExchange.TokenArrivals.Min(), Is.GreaterThan(firstExchange.TokenArrivals.Max()), "one generation at a time, first come first served");
        Assert.That(secondExchange.Done.Timings.QueuedMs, Is.GreaterThan(0));
    }

    [Test]
    public async Task A_second_request_on_a_busy_connection_is_refused_and_the_first_completes()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var connection = await ConnectAsync();
        // The second request goes out once the first is visibly running, so it always meets a busy
        // connection; a status answer (were it ever let through) also ends the wait, and the wait is bounded.
        await connection.SendAsync(Greedy("one", golden.Prompt, LongGeneration(golden)), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var frames = new List<ResponseFrame> { (await connection.ReadAsync(timeout.Token))! };
        Assert.That(frames[0], Is.TypeOf<TokenFrame>());
        await connection.SendAsync(new StatusRequest { Id = "two" }, CancellationToken.None);

        while (frames.Count(frame => frame is DoneFrame or ErrorFrame or StatusFrame) < 2 && await connection.ReadAsync(timeout.Token) is { } frame)
            frames.Add(frame);

        var refusal = frames.OfType<ErrorFrame>().Single();
        Assert.That((refusal.Id, refusal.Code), Is.EqualTo(("two", ErrorCodes.InvalidRequest)));
        Assert.That(string.Concat(frames.OfType<TokenFrame>().Select(token => token.Text)), Does.StartWith(golden.StreamedText(golden.ComparableSteps)));
        var done = frames.OfType<DoneFrame>().Single();
        Assert.That((done.Id, done.Usage.CompletionTokens), Is.EqualTo(("one", LongGeneration(golden))));
    }

    [Test]
    public async Task Closing_the_connection_mid_generation_frees_the_daemon_for_the_next_request()
    {
        var golden = StoriesGolden.OnceUponATime;
        var connection = await ConnectAsync();
        await connection.SendAsync(Greedy("abandoned", golden.Prompt, LongGeneration(golden)), CancellationToken.None);
        Assert.That(await connection.ReadAsync(CancellationToken.None), Is.TypeOf<TokenFrame>());
        await connection.DisposeAsync();

        await using var next = await ConnectAsync();
        var exchange = await Exchange.RunAsync(next, Greedy("next", golden.Prompt, golden.ComparableSteps), timeout: TimeSpan.FromSeconds(60));
        Assert.That(exchange.Text, Is.EqualTo(golden.StreamedText(golden.ComparableSteps)), exchange.Describe());
        Assert.That(_daemon.HasExited, Is.False);
    }

    [Test]
    public void The_socket_is_0600_in_a_0700_folder()
    {
        Assert.That(File.GetUnixFileMode(_daemon.SocketPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(_daemon.SocketPath)!),
            Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    /// <summary>Long enough (seconds on this model) to still run when the next step of a test comes.</summary>
    private static int LongGeneration(GoldenPrompt golden) => 400;

    private static GenerateRequest Greedy(string id, string prompt, int maxTokens) =>
        new() { Id = id, Prompt = prompt, Temperature = 0, MaxTokens = maxTokens };

    private Task<ToastedConnection> ConnectAsync() => ToastedConnection.ConnectAsync(_daemon.SocketPath, CancellationToken.None);
}
