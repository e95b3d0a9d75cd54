using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Toasted.Daemon.Transport;

/// <summary>
/// The user id of the process at the other end of a Unix socket, from the kernel (SO_PEERCRED on
/// Linux, LOCAL_PEERCRED on macOS). The socket's 0600 mode already keeps other users out; this
/// second check also holds when the socket folder's permissions were loosened by hand.
/// </summary>
public static partial class PeerCredentials
{
    private const int LinuxSolSocket = 1;
    private const int LinuxSoPeerCred = 17;
    private const int MacSolLocal = 0;
    private const int MacLocalPeerCred = 1;
    private const int MacLocalPeerPid = 2;

    public static uint CurrentUserId => GetEffectiveUserId();

    /// <summary>The peer's user id, or null where the platform offers no way to ask.</summary>
    public static uint? PeerUserId(Socket socket)
    {
        Span<byte> buffer = stackalloc byte[80];
        if (OperatingSystem.IsLinux())
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            var length = socket.GetRawSocketOption(LinuxSolSocket, LinuxSoPeerCred, buffer[..12]);
            return length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..]) : null;
        }
        if (OperatingSystem.IsMacOS())
        {
            // struct xucred { u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]; }
            var length = socket.GetRawSocketOption(MacSolLocal, MacLocalPeerCred, buffer[..76]);
            return length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..]) : null;
        }
        return null;
    }

    /// <summary>The peer's process id, or null where the platform offers no way to ask.</summary>
    public static int? PeerProcessId(Socket socket)
    {
        Span<byte> buffer = stackalloc byte[12];
        if (OperatingSystem.IsLinux())
        {
            var length = socket.GetRawSocketOption(LinuxSolSocket, LinuxSoPeerCred, buffer);
            return length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(buffer) : null;
        }
        if (OperatingSystem.IsMacOS())
        {
            var length = socket.GetRawSocketOption(MacSolLocal, MacLocalPeerPid, buffer[..4]);
            return length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(buffer) : null;
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
