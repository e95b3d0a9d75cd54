using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>
/// The default socket folder lives in a shared place, so another user may have made it first. The real
/// daemon refuses to start (exit 1, the folder named) rather than put its sockets in a folder it cannot make
/// private, and leaves that folder as it found it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SocketFolderTests
{
    private static readonly Dictionary<string, string?> DefaultLocation = new()
    {
        ["XDG_RUNTIME_DIR"] = null,
        ["TOASTED_SOCKET"] = null,
        ["TOASTED_CONFIG"] = null,
        ["TOASTED_MODEL"] = null,
    };

    [Test]
    public async Task A_default_folder_that_belongs_to_another_user_is_refused()
    {
        var (executable, prefix) = ForeignUser.Require();
        var model = SharedKit.Require(StoriesGolden.ModelFile);
        // The daemon runs as nobody; its default folder was made first by root, open to all.
        var folder = $"/tmp/toasted-{ForeignUser.UserId}";
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        const UnixFileMode OpenToAll = (UnixFileMode)0x1FF; // 0777
        File.SetUnixFileMode(folder, OpenToAll);
        try
        {
            // nobody's own home: root's config folder is not readable to it.
            var environment = new Dictionary<string, string?>(DefaultLocation) { ["HOME"] = "/nonexistent", ["XDG_CONFIG_HOME"] = null };
            var result = await ProcessRun.RunAsync(executable, [.. prefix, BuiltBinaries.Toasted, "--model", model, "--threads", "1"],
                environment: environment, timeout: TimeSpan.FromSeconds(60));
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain(folder).And.Contain("belongs to another user"));
            Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(OpenToAll), "the folder is left as it was");
            Assert.That(Directory.EnumerateFileSystemEntries(folder), Is.Empty, "no socket was made in it");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task A_default_folder_that_is_a_symbolic_link_is_refused()
    {
        var model = SharedKit.Require(StoriesGolden.ModelFile);
        var runtime = Directory.CreateTempSubdirectory("toasted-runtime-");
        var elsewhere = Directory.CreateTempSubdirectory("toasted-elsewhere-");
        try
        {
            // $XDG_RUNTIME_DIR/toasted points somewhere else, as a planted link would.
            Directory.CreateSymbolicLink(Path.Combine(runtime.FullName, "toasted"), elsewhere.FullName);
            var environment = new Dictionary<string, string?>(DefaultLocation) { ["XDG_RUNTIME_DIR"] = runtime.FullName };
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--model", model, "--threads", "1"],
                environment: environment, timeout: TimeSpan.FromSeconds(60));
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain("symbolic link"));
            Assert.That(Directory.EnumerateFileSystemEntries(elsewhere.FullName), Is.Empty, "nothing was made behind the link");
        }
        finally
        {
            runtime.Delete(recursive: true);
            elsewhere.Delete(recursive: true);
        }
    }
}
