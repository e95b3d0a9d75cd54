namespace Toasted.Client.Autostart;

/// <summary>Finds the <c>toasted</c> to start: the one beside this toast (as it was invoked, so a
/// symlinked <c>bin/toast</c> finds <c>bin/toasted</c>; then as it lies on disk), else the first on PATH.</summary>
public static class DaemonExecutable
{
    public const string FileName = "toasted";

    public static string? Find(Func<string, string?> environment)
    {
        var searchPath = (environment("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        var invokedAs = InvokedAs();
        var folders = new List<string?>();
        if (invokedAs.Contains('/', StringComparison.Ordinal)) folders.Add(Path.GetDirectoryName(Path.GetFullPath(invokedAs)));
        else if (invokedAs.Length > 0) folders.Add(searchPath.FirstOrDefault(folder => File.Exists(Path.Combine(folder, invokedAs))));
        folders.Add(Path.GetDirectoryName(Environment.ProcessPath));
        folders.AddRange(searchPath);
        return folders.Where(folder => !string.IsNullOrEmpty(folder))
            .Select(folder => Path.Combine(folder!, FileName))
            .FirstOrDefault(IsExecutable);
    }

    /// <summary>The path toast was started by (argv[0]). A framework-dependent build reports its .dll
    /// as the first command-line argument, so on Linux the kernel's copy is read instead.</summary>
    private static string InvokedAs()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.ReadAllText("/proc/self/cmdline").Split('\0') is [{ Length: > 0 } first, ..])
                return first;
        }
        catch (IOException)
        {
            // No /proc: fall back to what the runtime reports.
        }
        return Environment.GetCommandLineArgs() is { Length: > 0 } args ? args[0] : "";
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
