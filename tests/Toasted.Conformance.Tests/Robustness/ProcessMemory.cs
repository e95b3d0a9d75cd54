using System.Globalization;

namespace Toasted.Conformance.Tests.Robustness;

/// <summary>A process's memory as Linux reports it in /proc/PID/status, in bytes.</summary>
public static class ProcessMemory
{
    /// <summary>Resident set size now.</summary>
    public static long Resident(int processId) => Field(processId, "VmRSS:");

    /// <summary>The highest resident set size the process ever had.</summary>
    public static long PeakResident(int processId) => Field(processId, "VmHWM:");

    private static long Field(int processId, string name)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(line => line.StartsWith(name, StringComparison.Ordinal));
        var kilobytes = line[name.Length..].Trim().Split(' ')[0];
        return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
    }
}
