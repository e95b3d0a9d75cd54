using System.Diagnostics;
using Toasted.Tests.Shared;

namespace Toasted.Client.Tests.Autostart;

/// <summary>The toasted processes serving one socket path, found from /proc (toast starts them
/// detached, so the test holds no Process of its own), and their clean-up.</summary>
public static class DaemonsOnSocket
{
    public static IReadOnlyList<int> Find(string socketPath)
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var processId)) continue;
            string[] arguments;
            try
            {
                arguments = File.ReadAllText(Path.Combine(folder, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile
            }
            if (arguments.Length > 0 && arguments[0].EndsWith("/toasted", StringComparison.Ordinal) && arguments.Contains(socketPath))
                found.Add(processId);
        }
        return found;
    }

    /// <summary>SIGTERM to each, then SIGKILL to any still there after the timeout.</summary>
    public static async Task StopAllAsync(string socketPath)
    {
        var processIds = Find(socketPath);
        foreach (var processId in processIds) PosixSignals.Send(processId, PosixSignals.SIGTERM);
        var deadline = Stopwatch.StartNew();
        while (processIds.Any(IsRunning) && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
        foreach (var processId in processIds.Where(IsRunning)) PosixSignals.Send(processId, 9);
    }

    // A zombie still has a /proc entry; its state letter is Z.
    private static bool IsRunning(int processId)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{processId}/stat");
            return status[(status.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
