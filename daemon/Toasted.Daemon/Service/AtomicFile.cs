namespace Toasted.Daemon.Service;

/// <summary>Writes a file whole or not at all: a temporary file beside it, flushed to disk, then
/// renamed over the target, so a service manager never reads half a file and a failed write leaves
/// the old one in place.</summary>
public static class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode mode)
    {
        var folder = Path.GetDirectoryName(path) ?? throw new ArgumentException($"no folder in {path}", nameof(path));
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            }))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
