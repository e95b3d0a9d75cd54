using System.Runtime.InteropServices;
using NUnit.Framework;

namespace Toasted.Tests.Shared;

/// <summary>
/// Runs a command as the unprivileged user <c>nobody</c> (uid 65534), to check that the daemon refuses
/// other users. Needs root and <c>setpriv</c> (util-linux) or <c>runuser</c>; skips the test naming
/// what is missing otherwise.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static partial class ForeignUser
{
    public const uint UserId = 65534;

    /// <summary>The executable and leading arguments that run what follows them as <c>nobody</c>.</summary>
    public static (string Executable, string[] Prefix) Require()
    {
        if (GetEffectiveUserId() != 0)
            Assert.Ignore("needs root to run a client as another user (uid 65534); run the tests as root to check the refusal");
        foreach (var folder in new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" })
        {
            var setpriv = Path.Combine(folder, "setpriv");
            if (File.Exists(setpriv)) return (setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups"]);
        }
        foreach (var folder in new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" })
        {
            var runuser = Path.Combine(folder, "runuser");
            if (File.Exists(runuser)) return (runuser, ["-u", "nobody", "--"]);
        }
        Assert.Ignore("needs setpriv or runuser to run a client as another user; neither is installed");
        return ("", []);
    }

    /// <summary>Opens a daemon's folders and sockets to everyone, as a careless chmod would, so that only the
    /// daemon's peer-credential check stands between another user and the sockets.</summary>
    public static void OpenUp(DaemonProcess daemon)
    {
        File.SetUnixFileMode(daemon.Folder, (UnixFileMode)0x1ED); // 0755
        File.SetUnixFileMode(Path.GetDirectoryName(daemon.SocketPath)!, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)0x1B6); // 0666
        File.SetUnixFileMode(daemon.AdminSocketPath, (UnixFileMode)0x1B6);
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
