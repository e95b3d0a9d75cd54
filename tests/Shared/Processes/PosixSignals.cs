using System.Runtime.InteropServices;

namespace Toasted.Tests.Shared;

/// <summary>Sends real signals to child processes (Process.Kill only sends SIGKILL).</summary>
public static partial class PosixSignals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    public static void Send(int processId, int signal)
    {
        if (Kill(processId, signal) != 0)
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);
}
