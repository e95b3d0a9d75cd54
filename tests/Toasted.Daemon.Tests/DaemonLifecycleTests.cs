using NUnit.Framework;
using Toasted.Daemon.Transport;
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
    public async Task A_connection_from_another_user_is_refused_even_when_the_socket_is_opened_up()
    {
        if (PeerCredentials.CurrentUserId != 0 || !File.Exists("/usr/bin/setpriv"))
            Assert.Ignore("needs root and setpriv to connect as another user");
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ContextArguments);
        // Loosen what the daemon set up, as a careless chmod would: only the peer check is left.
        File.SetUnixFileMode(daemon.Folder, (UnixFileMode)0x1ED); // 0755
        File.SetUnixFileMode(Path.GetDirectoryName(daemon.SocketPath)!, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)0x1B6); // 0666

        var foreign = await ProcessRun.RunAsync("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", BuiltBinaries.Toast, "--socket", daemon.SocketPath, "--raw", "-n", "4", "Once"]);
        var own = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["--socket", daemon.SocketPath, "--raw", "-t", "0", "-n", "4", "Once"]);

        Assert.That(foreign.ExitCode, Is.EqualTo(3), foreign.ToString());
        Assert.That(foreign.Stdout, Is.Empty);
        Assert.That(daemon.Log, Does.Contain("peer user id 65534"));
        Assert.That(own.ExitCode, Is.EqualTo(0), own.ToString());
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
        var runningRest = Task.Run(async () =>
        {
            await foreach (var frame in running.ReadResponsesAsync(CancellationToken.None)) { }
        });
        await waiting.SendAsync(new GenerateRequest { Id = "wait", Prompt = golden.Prompt, Temperature = 0, MaxTokens = 8 }, CancellationToken.None);
        Assert.That(await waiting.ReadAsync(CancellationToken.None), Is.TypeOf<QueuedFrame>());

        var final = await refused.RequestAsync(new GenerateRequest { Id = "full", Prompt = golden.Prompt, MaxTokens = 8 }, CancellationToken.None);
        Assert.That(final, Is.TypeOf<ErrorFrame>().With.Property("Code").EqualTo(ErrorCodes.QueueFull));

        // Nothing was lost: the waiting request is still served.
        ResponseFrame? waitingFinal = null;
        await foreach (var frame in waiting.ReadResponsesAsync(CancellationToken.None)) waitingFinal = frame;
        Assert.That(waitingFinal, Is.TypeOf<DoneFrame>());
        await runningRest;
    }
}
