using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Client.Tests;

/// <summary>Every exit code of docs/cli.md, provoked from a shell script with the real toast and toasted.</summary>
public class ToastExitCodeTests
{
    [Test]
    public async Task Every_documented_exit_code_is_provoked_from_a_shell_script()
    {
        if (!File.Exists("/bin/bash")) Assert.Ignore("needs bash");
        var script = Path.Combine(SharedKit.RepoRoot, "tests", "Toasted.Client.Tests", "ExitCodes", "toast-exit-codes.sh");
        var environment = new Dictionary<string, string?>
        {
            ["TOAST"] = BuiltBinaries.Toast,
            ["TOASTED"] = BuiltBinaries.Toasted,
            ["MODEL"] = SharedKit.Require(StoriesGolden.ModelFile),
            ["TOASTED_SOCKET"] = null,
        };
        var result = await ProcessRun.RunAsync("/bin/bash", [script], stdin: null, environment, TimeSpan.FromMinutes(3));
        TestContext.Out.WriteLine(result.StdoutText);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdoutText, Does.Contain("all exit codes as documented"));
    }
}
