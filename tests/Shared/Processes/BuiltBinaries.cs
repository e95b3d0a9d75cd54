using NUnit.Framework;

namespace Toasted.Tests.Shared;

/// <summary>
/// The executables the end-to-end tests run: <c>bin/toasted</c> (from <c>make daemon</c>) and
/// <c>bin/toast</c> (NativeAOT from <c>make client</c>, else the JIT build from <c>make build</c>).
/// <c>make test</c> builds both first; run alone, a test fails naming the command to run.
/// </summary>
public static class BuiltBinaries
{
    public static string Toasted => Require("toasted", Path.Combine("out", "toasted", "toasted"), "make daemon");

    public static string Toast => Require("toast", Path.Combine("out", "toast-aot", "toast"), "make client (or make build)");

    private static string Require(string name, string publishedPath, string command)
    {
        foreach (var candidate in new[] { Path.Combine(SharedKit.RepoRoot, "bin", name), Path.Combine(SharedKit.RepoRoot, publishedPath) })
        {
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        Assert.Fail($"{name} is not built: run `{command}` in {SharedKit.RepoRoot} (make test does it)");
        return "";
    }
}
