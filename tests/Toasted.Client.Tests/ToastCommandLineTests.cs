using System.Text;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Client.Tests;

/// <summary>The real toast executable without a daemon: usage errors and an absent daemon.</summary>
public class ToastCommandLineTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("toast-test-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    // Autostart is turned off: these runs check what toast says when no daemon answers (AutostartTests start one).
    private Dictionary<string, string?> Environment => new() { ["TOASTED_SOCKET"] = Path.Combine(_folder, "absent.sock"), ["TOAST_NO_AUTOSTART"] = "1" };

    [Test]
    public async Task Help_and_version_exit_0_on_stdout()
    {
        var help = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["--help"]);
        Assert.That(help.ExitCode, Is.EqualTo(0), help.ToString());
        Assert.That(help.StdoutText, Does.Contain("usage: toast").And.Contain("exit codes"));

        var version = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["--version"]);
        Assert.That(version.ExitCode, Is.EqualTo(0), version.ToString());
        Assert.That(version.StdoutText, Does.StartWith("toast "));
    }

    [TestCase("--frobnicate", "explain")]
    [TestCase("-n")]
    [TestCase("-n", "zero", "explain")]
    [TestCase("-t", "-1", "explain")]
    [TestCase("--top-p", "2", "explain")]
    [TestCase("--seed", "-5", "explain")]
    public async Task A_bad_flag_exits_2_and_says_which(params string[] arguments)
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, arguments, environment: Environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("toast: ").And.Contain(arguments[0]));
        Assert.That(result.Stdout, Is.Empty, "stdout carries only model text");
    }

    [Test]
    public async Task Nothing_to_send_exits_2()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["--raw"], environment: Environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("nothing to send"));
    }

    [Test]
    public async Task An_unreadable_file_exits_2_naming_it()
    {
        var missing = Path.Combine(_folder, "missing.txt");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["explain", missing], environment: Environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain(missing));
    }

    [Test]
    public async Task Without_a_daemon_it_exits_3_saying_how_to_start_one()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["explain"], stdin: Encoding.UTF8.GetBytes("text"), environment: Environment);
        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stderr, Does.Contain("not running").And.Contain("absent.sock").And.Contain("toasted --model"));
        Assert.That(result.Stdout, Is.Empty);
    }

    [Test]
    public async Task When_nothing_answers_on_the_socket_path_it_exits_3()
    {
        var socketPath = Path.Combine(_folder, "dead.sock");
        File.WriteAllText(socketPath, "");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toast, ["--socket", socketPath, "explain"], stdin: [], environment: Environment);
        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
    }
}
