using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Toasted.Daemon.Transport;

/// <summary>
/// The socket file's life: a private folder (0700), a stale file from a crashed daemon removed only
/// when nothing answers on it, the socket created under a restrictive umask so it is never reachable
/// by others even for an instant, then chmod 0600. The socket is bound and listening under a temporary
/// name first and then linked to its real name, so a client never finds the file before connections are
/// accepted on it (a bare bind-then-listen leaves a moment in which connecting is refused).
/// </summary>
public static partial class SocketFile
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateSocket = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const uint OwnerOnlyUmask = 0x7F; // 0177: no execute for the owner, nothing for group and others.
    private const int Backlog = 128;

    /// <summary>
    /// Creates the sockets' folder with mode 0700, or makes an existing default folder 0700. A default
    /// folder lives in a shared place (/tmp/toasted-$UID when there is no runtime directory), so another
    /// user may have made it first, to read or replace our sockets: a symbolic link, or a folder whose mode
    /// we may not set (only its owner may), is refused with <see cref="SocketFolderException"/>. A folder the
    /// user chose (<c>--socket</c>, <c>TOASTED_SOCKET</c>) is left as it is. Root may chmod any folder, so
    /// for a daemon run as root the check is the link test alone.
    /// </summary>
    public static void EnsurePrivateFolder(string folder, bool folderChosenByUser)
    {
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, PrivateFolder);
            return;
        }
        if (folderChosenByUser) return;
        if (new DirectoryInfo(folder).LinkTarget is not null)
            throw new SocketFolderException($"the socket folder {folder} is a symbolic link; remove it, or choose a folder with --socket");
        try
        {
            File.SetUnixFileMode(folder, PrivateFolder);
        }
        catch (UnauthorizedAccessException)
        {
            throw new SocketFolderException($"the socket folder {folder} belongs to another user; remove it, or choose a folder with --socket");
        }
    }

    /// <summary>True when a daemon accepts connections on <paramref name="path"/>.</summary>
    public static bool Answers(string path)
    {
        if (!File.Exists(path)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Throws <see cref="SocketInUseException"/> when another daemon answers on the path.</summary>
    public static void EnsureNotServed(string path)
    {
        if (Answers(path)) throw new SocketInUseException(path);
    }

    /// <summary>A listening socket at <paramref name="path"/>. The folder is created 0700; an existing
    /// folder is made 0700 only when it is ours by default (<paramref name="folderChosenByUser"/> false).</summary>
    public static Socket Listen(string path, bool folderChosenByUser)
    {
        var folder = Path.GetDirectoryName(path) ?? throw new ArgumentException($"socket path has no folder: {path}", nameof(path));
        EnsurePrivateFolder(folder, folderChosenByUser);

        if (File.Exists(path))
        {
            EnsureNotServed(path);
            // Nothing answers: a file left by a daemon that did not shut down cleanly.
            File.Delete(path);
        }

        // Short, so that the temporary name still fits the platform's socket path limit where the real one does.
        var pending = $"{path}.{Environment.ProcessId}";
        Remove(pending);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            var previousUmask = SetUmask(OwnerOnlyUmask);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(pending));
            }
            finally
            {
                SetUmask(previousUmask & 0xFFFF);
            }
            File.SetUnixFileMode(pending, PrivateSocket);
            socket.Listen(Backlog);
            // link(2) fails when the name exists, as bind(2) would: another daemon that got there first keeps it.
            if (Link(pending, path) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == AlreadyExists) throw new SocketInUseException(path);
                throw new IOException($"cannot create the socket {path}: {Marshal.GetPInvokeErrorMessage(error)}");
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            Remove(pending);
        }
    }

    /// <summary>Removes the socket file if it is still there.</summary>
    public static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already gone or replaced; nothing to clean up.
        }
    }

    /// <summary>EEXIST, the same number on Linux and macOS.</summary>
    private const int AlreadyExists = 17;

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    // mode_t is 32-bit on Linux and 16-bit on macOS; passing 32 bits is safe on both ABIs.
    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetUmask(uint mask);
}
