using NUnit.Framework;

namespace Toasted.Tests.Shared;

/// <summary>
/// Locates the read-only test kit (llama.cpp golden data, models, vectors) that lives beside the
/// repository as <c>../shared</c>, or where <c>TOASTED_SHARED</c> points. Tests that need it call
/// <see cref="Require"/>, which skips them with the path named when the kit is absent.
/// </summary>
public static class SharedKit
{
    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);

    public static string RepoRoot => RepoRootLazy.Value;

    public static string Root =>
        Environment.GetEnvironmentVariable("TOASTED_SHARED") is { Length: > 0 } explicitRoot
            ? Path.GetFullPath(explicitRoot)
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>The absolute path of a file or folder of the kit; skips the test when it is missing.</summary>
    public static string Require(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Ignore($"test kit not found: {path} (place the shared kit beside the repository or set TOASTED_SHARED)");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Toasted.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Toasted.sln not found above " + AppContext.BaseDirectory);
    }
}
