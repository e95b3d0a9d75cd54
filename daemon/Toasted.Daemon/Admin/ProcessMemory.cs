namespace Toasted.Daemon.Admin;

/// <summary>The daemon's resident memory. <see cref="Environment.WorkingSet"/> is the resident set on
/// Linux and macOS alike; on Linux the kernel's own VmRSS line is read, as tools like ps report it.</summary>
public static class ProcessMemory
{
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                    var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 2 && long.TryParse(fields[1], out var kibibytes)) return kibibytes * 1024;
                }
            }
            catch (IOException)
            {
                // Fall back to the runtime's figure.
            }
        }
        return Environment.WorkingSet;
    }
}
