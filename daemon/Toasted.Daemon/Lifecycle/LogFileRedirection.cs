using System.Runtime.InteropServices;

namespace Toasted.Daemon.Lifecycle;

/// <summary>
/// With <c>log.file</c> set, the daemon's stdout and stderr are pointed at the file (appended to,
/// created 0600 in a folder created 0700), so its log lines and any start-up failure land in one
/// place whoever started it: a service manager, <c>toast</c>, or a shell.
/// </summary>
public static partial class LogFileRedirection
{
    private const int StandardOutput = 1;
    private const int StandardError = 2;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Must run before anything touches <see cref="Console"/>: its streams are duplicates of
    /// the descriptors taken at first use, and would keep writing where the output went before.</summary>
    public static void Apply(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, PrivateFolder);
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = PrivateFile,
        });
        var descriptor = (int)file.SafeFileHandle.DangerousGetHandle();
        if (Duplicate(descriptor, StandardOutput) < 0 || Duplicate(descriptor, StandardError) < 0)
            throw new IOException($"cannot send the log to {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Duplicate(int from, int to);
}
