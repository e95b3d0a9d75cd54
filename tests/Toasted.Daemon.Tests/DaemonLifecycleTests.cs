using NUnit.Framework;
using Toasted.Protocol;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>Start, stop and admission limits, each on a daemon of its own.</summary>
public class DaemonLifecycleTests
{
    private const int LongGeneration = 400;
    private static string[] ContextArguments => ["--context", "1024", "--threads", "1"];

    [Test]
    public async Task SIGTERM_cancels_the_running_request_removes_the_socket_and_exits_0()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ContextArguments);
        await using var connection = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        await connection.SendAsync(new GenerateRequest { Id = "long", Prompt = golden.Prompt, Temperature = 0, MaxTokens = LongGeneration }, CancellationToken.None);
        Assert.That(await connection.ReadAsync(CancellationToken.None), Is.TypeOf<TokenFrame>());

        PosixSignals.Send(daemon.ProcessId, PosixSignals.SIGTERM);
        ResponseFrame? final = null;
        while (await connection.ReadAsync(CancellationToken.None) is { } frame)
        {
            if (frame.IsFinal) final = frame;
        }
        var exitCode = await daemon.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.That(exitCode, Is.EqualTo(0), daemon.Log);
        Assert.That(File.Exists(daemon.SocketPath), Is.False, "the socket file is removed");
        // The generation may have finished just before the signal; if not, it ends with cancelled.
        Assert.That(final, Is.Not.Null, "the request got its final frame before the connection closed");
        if (final is ErrorFrame error) Assert.That(error.Code, Is.EqualTo(ErrorCodes.Cancelled));
        else Assert.That(final, Is.TypeOf<DoneFrame>());
    }

    [Test]
    public async Task A_stale_socket_file_from_a_crashed_daemon_is_replaced()
    {
        var model = SharedKit.Require(StoriesGolden.ModelFile);
        await using var crashed = await DaemonProcess.StartAsync(model, ContextArguments);
        crashed.Kill();
        Assert.That(File.Exists(crashed.SocketPath) && !DaemonProcess.CanConnect(crashed.SocketPath), Is.True,
            "a killed daemon leaves its socket file behind");

        using var replacement = ProcessRun.Start(BuiltBinaries.Toasted, ["--model", model, "--socket", crashed.SocketPath]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!DaemonProcess.CanConnect(crashed.SocketPath) && DateTime.UtcNow < deadline) await Task.Delay(25);
        var listening = DaemonProcess.CanConnect(crashed.SocketPath);

        PosixSignals.Send(replacement.ProcessId, PosixSignals.SIGTERM);
        var exit = await replacement.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(listening, Is.True, "the new daemon listens where the stale file was: " + exit);
        Assert.That(exit.ExitCode, Is.EqualTo(0), exit.ToString());
    }

    [Test]
    public async Task With_a_full_queue_the_next_request_gets_queue_full_at_once()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), [.. ContextArguments, "--queue", "1"]);
        await using var running = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        await using var waiting = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        await using var refused = await ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
        var longRequest = new GenerateRequest { Id = "run", Prompt = golden.Prompt, Temperature = 0, MaxTokens = LongGeneration };

        await running.SendAsync(longRequest, CancellationToken.None);
        Assert.That(await running.ReadAsync(CancellationToken.None), Is.TypeOf<TokenFrame>());
        await waiting.SendAsync(new GenerateRequest { Id = "wait", Prompt = golden.Prompt, Temperature = 0, MaxTokens = 8 }, CancellationToken.None);
        Assert.That(await waiting.ReadAsync(CancellationToken.None), Is.TypeOf<QueuedFrame>());

        var final = await refused.RequestAsync(new GenerateRequest { Id = "full", Prompt = golden.Prompt, MaxTokens = 8 }, CancellationToken.None);
        Assert.That(final, Is.TypeOf<ErrorFrame>().With.Property("Code").EqualTo(ErrorCodes.QueueFull));

        // Nothing was lost: the waiting request is still served.
        ResponseFrame? waitingFinal = null;
        await foreach (var frame in waiting.ReadResponsesAsync(CancellationToken.None)) waitingFinal = frame;
        Assert.That(waitingFinal, Is.TypeOf<DoneFrame>());
    }
}
