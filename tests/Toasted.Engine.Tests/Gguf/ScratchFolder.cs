namespace Toasted.Engine.Tests.Gguf;

/// <summary>A private folder under the system temp path for files a test writes; deleted on Dispose.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        FullPath = Path.Combine(Path.GetTempPath(), "toasted-gguf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string PathOf(string fileName) => Path.Combine(FullPath, fileName);

    public string Write(string fileName, ReadOnlySpan<byte> bytes)
    {
        var path = PathOf(fileName);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(FullPath)) Directory.Delete(FullPath, recursive: true);
    }
}
