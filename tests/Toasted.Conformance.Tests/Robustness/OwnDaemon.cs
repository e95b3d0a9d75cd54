using System.Text.Json.Nodes;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Conformance.Tests.Robustness;

/// <summary>A toasted of this repository on the kit's stories260K model, for the tests that need its
/// process (memory, log, signals) or settings a foreign daemon would not have.</summary>
public static class OwnDaemon
{
    public static async Task<DaemonProcess> StartAsync(params string[] arguments)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("reads /proc, which only Linux has");
        return await DaemonProcess.StartAsync(SharedKit.Require(StoriesGolden.ModelFile), ["--threads", "1", .. arguments]);
    }

    public static async Task<JsonObject> StatusAsync(DaemonProcess daemon)
    {
        await using var connection = await RawConnection.ConnectAsync(daemon.SocketPath);
        return (await connection.ExchangeAsync(Frames.Status("status"))).Single();
    }

    /// <summary>Polls status until <paramref name="condition"/> holds or the time is up.</summary>
    public static async Task<JsonObject> WaitForStatusAsync(DaemonProcess daemon, Func<JsonObject, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync(daemon);
            if (condition(status) || DateTime.UtcNow > deadline) return status;
            await Task.Delay(10);
        }
    }

    public static bool IsIdleWithEmptyQueue(JsonObject status) =>
        status["state"]!.GetValue<string>() == "idle" && status["queue_depth"]!.GetValue<int>() == 0;
}
