using System.Runtime.InteropServices;

namespace Toasted.Daemon.Lifecycle;

/// <summary>
/// A daemon started on demand by <c>toast</c> must outlive it: it leaves toast's session and process
/// group, so a Ctrl-C or a closed terminal aimed at the toast that started it does not reach it.
/// toast asks for this by setting <see cref="EnvironmentVariable"/>.
/// </summary>
public static partial class SessionDetachment
{
    public const string EnvironmentVariable = "TOASTED_DETACH";

    public static void DetachIfAsked(Func<string, string?> environment)
    {
        if (environment(EnvironmentVariable) != "1") return;
        // Fails only for a process-group leader, which a child of toast is not; staying attached is then the lesser harm.
        _ = CreateSession();
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int CreateSession();
}
