using System.Globalization;

namespace Toasted.Tests.Shared;

/// <summary>
/// Children of a test start as from a foreground shell, with SIGINT at its default. A suite started in the
/// background of a non-interactive shell inherits SIGINT ignored, and a program that starts with it ignored keeps
/// it so (the POSIX convention for background jobs, which .NET follows), so the tests that interrupt toast would
/// watch it run on. On Linux such children start through <c>env --default-signal=INT</c>, which restores the
/// default before exec; elsewhere they start as they are.
/// </summary>
public static class InheritedInterrupt
{
    private const string Env = "/usr/bin/env";

    /// <summary>Whether this process ignores SIGINT: bit 1 of the <c>SigIgn</c> mask in /proc/self/status.</summary>
    public static bool IsIgnored { get; } = ReadIgnored();

    /// <summary>The file to start and the arguments that go before the program's own.</summary>
    public static (string File, string[] Prefix) Launch(string executable) =>
        IsIgnored && File.Exists(Env) ? (Env, ["--default-signal=INT", executable]) : (executable, []);

    private static bool ReadIgnored()
    {
        if (!OperatingSystem.IsLinux()) return false;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("SigIgn:", StringComparison.Ordinal)) continue;
            var mask = ulong.Parse(line.AsSpan("SigIgn:".Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return (mask & (1UL << (PosixSignals.SIGINT - 1))) != 0;
        }
        return false;
    }
}
