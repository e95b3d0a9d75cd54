using System.Net.Sockets;
using NUnit.Framework;
using Toasted.Daemon.Transport;
using Toasted.Protocol;
using Toasted.Protocol.Admin;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>The admin socket of a real daemon: the snapshot against what the process really is, the events
/// a real request and a real load produce, the modes of the files, and the refusal of other users.</summary>
public class AdminSocketTests
{
    private const int Context = 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static string[] Arguments => ["--context", "1024", "--threads", "1"];

    [Test]
    public async Task Snapshot_tells_the_model_context_threads_memory_and_a_growing_uptime()
    {
        var model = SharedKit.Require(StoriesGolden.ModelFile);
        await using var daemon = await DaemonProcess.StartAsync(model, Arguments);
        using var limit = new CancellationTokenSource(Patience);
        await using var admin = await AdminConnection.ConnectAsync(daemon.AdminSocketPath, limit.Token);

        var first = await NextAsync<SnapshotFrame>(admin, limit.Token);
        var residentKib = VmRssKibibytes(daemon.ProcessId);
        await Task.Delay(50);
        // Anything but a snapshot request is ignored; the request brings a fresh snapshot.
        await using (var stream = new NetworkStream(Connect(daemon.AdminSocketPath), ownsSocket: true))
        {
            await stream.WriteAsync("not json\n{\"wire_version\":1,\"id\":\"x\",\"type\":\"generate\",\"prompt\":\"Once\"}\n"u8.ToArray(), limit.Token);
        }
        await admin.RequestSnapshotAsync(limit.Token);
        var second = await NextAsync<SnapshotFrame>(admin, limit.Token);

        Assert.Multiple(() =>
        {
            Assert.That(first.State, Is.EqualTo(DaemonStates.Ready));
            Assert.That(first.Model.Path, Is.EqualTo(Path.GetFullPath(model)));
            Assert.That(first.Model.Name, Is.Not.Empty);
            Assert.That(first.Model.Architecture, Is.EqualTo("llama"));
            Assert.That(first.ContextLength, Is.EqualTo(Context));
            Assert.That(first.Threads, Is.EqualTo(1));
            Assert.That(first.Backend, Is.EqualTo("cpu"));
            Assert.That(first.QueueDepth, Is.Zero);
            Assert.That(first.QueueCapacity, Is.EqualTo(64));
            Assert.That(first.ActiveRequests, Is.Zero);
            Assert.That(first.Pid, Is.EqualTo(daemon.ProcessId));
            Assert.That(first.Version, Is.EqualTo(ProductInfo.Version));
            Assert.That(first.WireVersion, Is.EqualTo(WireProtocol.Version));
            Assert.That(first.Socket, Is.EqualTo(daemon.SocketPath));
            Assert.That(first.Loading, Is.Null, "no loading progress once ready");
            // The kernel's figure, read a moment later: equal within a few MiB of allocation in between.
            Assert.That(first.RssBytes / 1024.0, Is.EqualTo(residentKib).Within(15).Percent, $"VmRSS {residentKib} KiB");
            Assert.That(second.UptimeMs, Is.GreaterThanOrEqualTo(first.UptimeMs + 50));
        });
    }

    [Test]
    public async Task A_generate_request_is_seen_starting_then_finishing_with_the_counts_its_client_got()
    {
        var golden = StoriesGolden.OnceUponATime;
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), Arguments);
        using var limit = new CancellationTokenSource(Patience);
        await using var admin = await AdminConnection.ConnectAsync(daemon.AdminSocketPath, limit.Token);
        await NextAsync<SnapshotFrame>(admin, limit.Token);

        await using var client = await ToastedConnection.ConnectAsync(daemon.SocketPath, limit.Token);
        var exchange = await Exchange.RunAsync(client, new GenerateRequest { Id = "watched", Prompt = golden.Prompt, Temperature = 0, MaxTokens = 12 });
        var done = exchange.Done;
        var started = await NextAsync<RequestStartedFrame>(admin, limit.Token);
        var finished = await NextAsync<RequestFinishedFrame>(admin, limit.Token);

        Assert.Multiple(() =>
        {
            Assert.That(started.RequestId, Is.EqualTo("watched"));
            Assert.That(started.ClientPid, Is.EqualTo(Environment.ProcessId));
            Assert.That(started.ClientUid, Is.EqualTo(PeerCredentials.CurrentUserId));
            Assert.That(started.PromptTokens, Is.EqualTo(done.Usage.PromptTokens));
            Assert.That(started.MaxTokens, Is.EqualTo(12));
            Assert.That(finished.RequestId, Is.EqualTo("watched"));
            Assert.That(finished.Connection, Is.EqualTo(started.Connection));
            Assert.That(finished.StopReason, Is.EqualTo(done.StopReason));
            Assert.That(finished.ErrorCode, Is.Null);
            Assert.That(finished.Usage.PromptTokens, Is.EqualTo(done.Usage.PromptTokens));
            Assert.That(finished.Usage.CompletionTokens, Is.EqualTo(done.Usage.CompletionTokens));
            Assert.That(finished.Usage.CompletionTokens, Is.EqualTo(12));
            Assert.That(finished.Timings.PrefillMs, Is.EqualTo(done.Timings.PrefillMs));
            Assert.That(finished.Timings.DecodeMs, Is.EqualTo(done.Timings.DecodeMs));
            Assert.That(finished.Timings.DecodeMs, Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task A_refused_request_is_reported_as_an_error_event()
    {
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), Arguments);
        using var limit = new CancellationTokenSource(Patience);
        await using var admin = await AdminConnection.ConnectAsync(daemon.AdminSocketPath, limit.Token);
        await NextAsync<SnapshotFrame>(admin, limit.Token);

        await using var client = await ToastedConnection.ConnectAsync(daemon.SocketPath, limit.Token);
        var prompt = string.Concat(Enumerable.Repeat("Once upon a time ", 400));
        var exchange = await Exchange.RunAsync(client, new GenerateRequest { Id = "too-long", Prompt = prompt, MaxTokens = 8 });
        var error = await NextAsync<AdminErrorFrame>(admin, limit.Token);

        Assert.That(exchange.Error.Code, Is.EqualTo(ErrorCodes.ContextOverflow));
        Assert.That(error.Code, Is.EqualTo(ErrorCodes.ContextOverflow));
        Assert.That(error.RequestId, Is.EqualTo("too-long"));
    }

    [Test]
    public async Task A_watcher_that_connects_while_the_model_loads_sees_the_loading_progress_then_ready()
    {
        var model = SharedKit.Require(StoriesGolden.ModelFile);
        // The tiny model loads in a fraction of a second: if the watcher only got in after it, try again.
        const int Attempts = 3;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            await using var daemon = DaemonProcess.Launch(model, Arguments);
            using var limit = new CancellationTokenSource(Patience);
            while (!File.Exists(daemon.AdminSocketPath) && !daemon.HasExited) await Task.Delay(1, limit.Token);
            await using var admin = await AdminConnection.ConnectAsync(daemon.AdminSocketPath, limit.Token);
            var snapshot = await NextAsync<SnapshotFrame>(admin, limit.Token);
            if (snapshot.State != DaemonStates.Loading && attempt < Attempts) continue;

            var loading = new List<LoadingFrame>();
            StateFrame? ready = null;
            while (ready is null && await admin.ReadAsync(limit.Token) is { } reading)
            {
                if (reading.Frame is LoadingFrame progress) loading.Add(progress);
                if (reading.Frame is StateFrame state) ready = state;
            }
            await daemon.WaitUntilListeningAsync();

            Assert.Multiple(() =>
            {
                Assert.That(snapshot.State, Is.EqualTo(DaemonStates.Loading), "the snapshot of a loading daemon says so");
                Assert.That(snapshot.Model.Path, Is.EqualTo(Path.GetFullPath(model)), "the model's path is known from the start");
                Assert.That(ready?.State, Is.EqualTo(DaemonStates.Ready), "loading ends with the ready state");
                var binding = loading.Where(frame => frame.Phase == "bind_tensors").ToList();
                Assert.That(binding, Is.Not.Empty, "tensor binding reports progress: " + string.Join(", ", loading.Select(f => $"{f.Phase} {f.Done}/{f.Total}")));
                Assert.That(binding.Select(frame => frame.Done), Is.Ordered, "progress only goes forward");
                Assert.That(binding[^1].Done, Is.EqualTo(binding[^1].Total).And.GreaterThan(0), "binding ends complete");
            });
            return;
        }
    }

    [Test]
    public async Task Both_sockets_are_0600_in_a_0700_folder()
    {
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), Arguments);
        const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(daemon.SocketPath)!), Is.EqualTo(OwnerReadWrite | UnixFileMode.UserExecute));
        Assert.That(File.GetUnixFileMode(daemon.SocketPath), Is.EqualTo(OwnerReadWrite));
        Assert.That(File.GetUnixFileMode(daemon.AdminSocketPath), Is.EqualTo(OwnerReadWrite));
        Assert.That(Path.GetDirectoryName(daemon.AdminSocketPath), Is.EqualTo(Path.GetDirectoryName(daemon.SocketPath)));
    }

    [Test]
    public async Task Another_user_is_refused_on_both_sockets_and_each_refusal_is_logged()
    {
        var (runAs, prefix) = ForeignUser.Require();
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), Arguments);
        ForeignUser.OpenUp(daemon);

        var generate = await ProcessRun.RunAsync(runAs, [.. prefix, BuiltBinaries.Toast, "--socket", daemon.SocketPath, "--raw", "-n", "4", "Once"]);
        var status = await ProcessRun.RunAsync(runAs, [.. prefix, BuiltBinaries.Toast, "status", "--socket", daemon.SocketPath]);
        var own = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["status", "--socket", daemon.SocketPath]);

        Assert.Multiple(() =>
        {
            Assert.That(generate.ExitCode, Is.EqualTo(3), generate.ToString());
            Assert.That(generate.Stdout, Is.Empty);
            Assert.That(status.ExitCode, Is.EqualTo(3), status.ToString());
            Assert.That(status.Stdout, Is.Empty, "no frame reaches another user");
            Assert.That(daemon.Log, Does.Match(@"\bconnection \d+ refused: peer user id 65534"), "main socket refusal logged");
            Assert.That(daemon.Log, Does.Match(@"admin connection \d+ refused: peer user id 65534"), "admin socket refusal logged");
            Assert.That(own.ExitCode, Is.EqualTo(0), own.ToString());
        });
    }

    /// <summary>The next frame of type <typeparamref name="T"/>, skipping others; fails when the daemon closes first.</summary>
    private static async Task<T> NextAsync<T>(AdminConnection admin, CancellationToken cancellationToken) where T : AdminFrame
    {
        var skipped = new List<string>();
        while (await admin.ReadAsync(cancellationToken) is { } reading)
        {
            if (reading.Frame is T frame) return frame;
            skipped.Add(System.Text.Encoding.UTF8.GetString(reading.Line));
        }
        Assert.Fail($"the admin connection closed before a {typeof(T).Name}; got: {string.Join("\n", skipped)}");
        return null!;
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static long VmRssKibibytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(text => text.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
