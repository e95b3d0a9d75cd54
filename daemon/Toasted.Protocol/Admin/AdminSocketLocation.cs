namespace Toasted.Protocol.Admin;

/// <summary>The admin socket lies beside the main socket, in the same private folder: the main socket's
/// name with a trailing <c>.sock</c> replaced by <c>.admin.sock</c> (<c>toasted.sock</c> →
/// <c>toasted.admin.sock</c>), or <c>.admin.sock</c> appended when the name has no <c>.sock</c>.</summary>
public static class AdminSocketLocation
{
    private const string SocketSuffix = ".sock";
    private const string AdminSuffix = ".admin.sock";

    public static string For(string mainSocketPath)
    {
        var folder = Path.GetDirectoryName(mainSocketPath) ?? "";
        var name = Path.GetFileName(mainSocketPath);
        var stem = name.EndsWith(SocketSuffix, StringComparison.Ordinal) ? name[..^SocketSuffix.Length] : name;
        return Path.Combine(folder, stem + AdminSuffix);
    }
}
