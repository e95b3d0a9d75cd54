using NUnit.Framework;
using Toasted.Protocol;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>
/// The kit's second real model, llama-2-tiny-random (F16 weights, the real 32,000-token Llama-2
/// vocabulary), served by the real daemon: every prompt's greedy stream equals llama.cpp's pieces.
/// stories260K gets the same check, and more, in <see cref="DaemonEndToEndTests"/>.
/// </summary>
public class RealModelsThroughDaemonTests
{
    private const string ModelFile = "corpus/real/llama-2-tiny-random.gguf";
    private const string GoldenFile = "corpus/real/llama-2-tiny-random.json";

    [Test]
    public async Task Llama_2_tiny_random_streams_llama_cpp_greedy_continuations()
    {
        var goldens = StoriesGolden.Load(GoldenFile);
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(ModelFile), ["--context", "256", "--threads", "1"]);
        await using var connection = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        foreach (var golden in goldens)
        {
            var steps = golden.ComparableSteps;
            var exchange = await Exchange.RunAsync(connection, new GenerateRequest
            {
                Id = "g",
                Prompt = golden.Prompt,
                MaxTokens = steps,
                Temperature = 0,
            });
            Assert.That(exchange.Text, Is.EqualTo(golden.StreamedText(steps)), $"prompt '{golden.Prompt}': {exchange.Describe()}");
            Assert.That(exchange.Done.Usage.PromptTokens, Is.EqualTo(golden.TokenIds.Length), $"prompt '{golden.Prompt}'");
        }
    }
}
