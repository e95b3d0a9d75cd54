namespace Toasted.Protocol;

/// <summary>Where the daemon's socket lives unless told otherwise; the client and the daemon resolve it
/// the same way: <c>$TOASTED_SOCKET</c>, else <c>$XDG_RUNTIME_DIR/toasted/toasted.sock</c>, else
/// <c>$TMPDIR/toasted/toasted.sock</c> on macOS (a per-user folder there), else <c>/tmp/toasted-$UID/toasted.sock</c>.</summary>
public static class SocketLocation
{
    public const string EnvironmentVariable = "TOASTED_SOCKET";
    public const string FileName = "toasted.sock";

    public static string Resolve(string? explicitPath = null)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return Path.GetFullPath(explicitPath);
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
            return Path.GetFullPath(fromEnvironment);
        return DefaultPath();
    }

    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtimeDirectory)
            return Path.Combine(runtimeDirectory, "toasted", FileName);
        if (OperatingSystem.IsMacOS() && Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } userTemp)
            return Path.Combine(userTemp, "toasted", FileName);
        return Path.Combine("/tmp", $"toasted-{UserId()}", FileName);
    }

    private static string UserId()
    {
        // Without P/Invoke: the owner of /proc/self is this process's user on Linux.
        try
        {
            if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self"))
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
                    var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 1) return fields[1];
                }
            }
        }
        catch (IOException)
        {
            // Fall through to the user name, which is still unique per user.
        }
        return Environment.UserName;
    }
}
