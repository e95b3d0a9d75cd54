using NUnit.Framework;
using Toasted.Protocol.Admin;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>What a starting toast shows while it waits: the real daemon's state from its admin socket, or
/// nothing while no admin socket answers.</summary>
public class LoadingReportTests
{
    [Test]
    public async Task No_daemon_gives_no_report_within_the_read_timeout()
    {
        var folder = Directory.CreateTempSubdirectory("toasted-none-");
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            Assert.That(await LoadingReport.TryReadAsync(Path.Combine(folder.FullName, "toasted.sock"), CancellationToken.None), Is.Null);
            Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_loaded_daemon_reports_ready()
    {
        await using var daemon = await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ["--threads", "1"]);
        Assert.That(await LoadingReport.TryReadAsync(daemon.SocketPath, CancellationToken.None), Is.EqualTo(DaemonStates.Ready));
    }
}
