using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Conformance.Tests.Rules;

/// <summary>
/// The daemon the rules are checked against: the one listening on <c>$TOASTED_SOCKET</c> when it is
/// set (any implementation of protocol v1, any model), else a <c>toasted</c> of this repository
/// started on the kit's stories260K model. Figures the rules depend on (context length, queue
/// capacity) are read from the daemon's <c>status</c>, never assumed.
/// </summary>
[SetUpFixture]
public sealed class ConformanceTarget
{
    private static DaemonProcess? _ownDaemon;

    public static string SocketPath { get; private set; } = "";
    public static int ContextLength { get; private set; }
    public static int QueueCapacity { get; private set; }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (Environment.GetEnvironmentVariable("TOASTED_SOCKET") is { Length: > 0 } external)
        {
            SocketPath = external;
        }
        else
        {
            // A context long enough that a prefill near it takes seconds on this model (the rules about
            // cancelling a prefill need one), and a short queue so that filling it is cheap.
            _ownDaemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile),
                ["--context", "2048", "--threads", "1", "--queue", "4"]);
            SocketPath = _ownDaemon.SocketPath;
        }
        await using var connection = await ConnectAsync();
        var status = (await connection.ExchangeAsync(Frames.Status("target"))).Single();
        ContextLength = status["context_length"]!.GetValue<int>();
        QueueCapacity = status["queue_capacity"]!.GetValue<int>();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_ownDaemon is not null) await _ownDaemon.DisposeAsync();
    }

    public static Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(SocketPath);

    /// <summary>The number of tokens of <paramref name="text"/> as the daemon counts them for a raw prompt.</summary>
    public static async Task<int> PromptTokensAsync(string text)
    {
        await using var connection = await ConnectAsync();
        var answer = (await connection.ExchangeAsync(
            $"{{\"wire_version\":1,\"id\":\"count\",\"type\":\"tokenize\",\"text\":{Frames.Quote(text)},\"add_special\":true,\"parse_special\":true}}\n")).Single();
        return answer["tokens"]!.AsArray().Count;
    }

    /// <summary>A raw prompt of about <paramref name="tokens"/> tokens (never more) that starts with
    /// <paramref name="tag"/>, so prompts with different tags share no cached prefix.</summary>
    public static async Task<string> PromptOfAboutAsync(int tokens, string tag)
    {
        const string Sentence = " Once upon a time there was a little cat who liked to play in the sun.";
        var perSentence = await PromptTokensAsync(Sentence + Sentence) - await PromptTokensAsync(Sentence);
        var head = await PromptTokensAsync(tag);
        var count = Math.Max(0, (tokens - head) / perSentence - 1);
        var prompt = new StringBuilder(tag).Insert(tag.Length, Sentence, count).ToString();
        while (await PromptTokensAsync(prompt + Sentence) <= tokens) prompt += Sentence;
        return prompt;
    }

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static async Task<JsonObject> StatusAsync()
    {
        await using var connection = await ConnectAsync();
        return (await connection.ExchangeAsync(Frames.Status("status"))).Single();
    }
}
