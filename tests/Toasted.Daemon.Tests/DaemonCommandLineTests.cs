using System.Net.Sockets;
using NUnit.Framework;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>The toasted executable's command line, run as a real process. None of this needs the engine.</summary>
public class DaemonCommandLineTests
{
    private static readonly Dictionary<string, string?> NoInheritedConfiguration = new()
    {
        ["TOASTED_MODEL"] = null, ["TOASTED_SOCKET"] = null, ["HF_HOME"] = null, ["HF_HUB_CACHE"] = null, ["OLLAMA_MODELS"] = null,
    };

    [Test]
    public async Task Version_and_help_exit_zero_on_stdout()
    {
        var version = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--version"]);
        Assert.That(version.ExitCode, Is.EqualTo(0), version.ToString());
        Assert.That(version.StdoutText, Does.StartWith("toasted ").And.Contain("wire protocol 1"));

        var help = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--help"]);
        Assert.That(help.ExitCode, Is.EqualTo(0), help.ToString());
        Assert.That(help.StdoutText, Does.Contain("--model").And.Contain("--socket").And.Contain("find-model"));
    }

    [TestCase("--bogus")]
    [TestCase("--threads", "many")]
    [TestCase("--context")]
    [TestCase("--write-timeout-ms", "-5")]
    [TestCase("--write-timeout-ms", "soon")]
    public async Task A_bad_command_line_exits_2_naming_the_problem(params string[] arguments)
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--model", "x.gguf", .. arguments], environment: NoInheritedConfiguration);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("toasted: ").And.Contain(arguments[0]));
    }

    [Test]
    public void The_write_timeout_is_30_seconds_unless_given_in_milliseconds()
    {
        var defaults = Toasted.Daemon.Hosting.CommandLine.Parse(["--model", "m.gguf"], _ => null).Settings!;
        var given = Toasted.Daemon.Hosting.CommandLine.Parse(["--model", "m.gguf", "--write-timeout-ms=3000"], _ => null).Settings!;
        Assert.That((defaults.WriteTimeout, given.WriteTimeout), Is.EqualTo((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3))));
    }

    [Test]
    public async Task No_model_at_all_exits_2()
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, [], environment: NoInheritedConfiguration);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("TOASTED_MODEL"));
    }

    [Test]
    public async Task A_missing_model_file_exits_1_with_its_path()
    {
        var folder = Directory.CreateTempSubdirectory("toasted-test-").FullName;
        try
        {
            var missing = Path.Combine(folder, "missing.gguf");
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--model", missing, "--socket", Path.Combine(folder, "s", "toasted.sock")]);
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain("model file not found").And.Contain(missing));
            Assert.That(File.Exists(Path.Combine(folder, "s", "toasted.sock")), Is.False);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task It_refuses_to_start_when_something_answers_on_its_socket()
    {
        var folder = Directory.CreateTempSubdirectory("toasted-test-").FullName;
        var socketPath = Path.Combine(folder, "toasted.sock");
        try
        {
            using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            other.Bind(new UnixDomainSocketEndPoint(socketPath));
            other.Listen(1);

            var model = SharedKit.Require(StoriesGolden.ModelFile);
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--model", model, "--socket", socketPath]);

            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain("already serving on " + socketPath));
            Assert.That(File.Exists(socketPath), Is.True, "the other daemon's socket is left alone");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Find_model_prefers_TOASTED_MODEL_then_the_hugging_face_cache_then_ollama_then_the_fallback()
    {
        var home = Directory.CreateTempSubdirectory("toasted-home-").FullName;
        try
        {
            var fallback = Touch(Path.Combine(home, "fallback.gguf"));
            var environment = new Dictionary<string, string?>(NoInheritedConfiguration) { ["HOME"] = home };

            Assert.That(await FindModelAsync(environment, fallback), Is.EqualTo(fallback));

            var blob = Touch(Path.Combine(home, ".ollama", "models", "blobs", "sha256-abc123"));
            Touch(Path.Combine(home, ".ollama", "models", "blobs", "sha256-def456"));
            File.WriteAllText(Touch(Path.Combine(home, ".ollama", "models", "manifests", "registry.ollama.ai", "library", "tiny", "latest")),
                """{"schemaVersion":2,"layers":[{"mediaType":"application/vnd.ollama.image.license","digest":"sha256:def456"},{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:abc123","size":1}]}""");
            Assert.That(await FindModelAsync(environment, fallback), Is.EqualTo(blob));

            var snapshot = Path.Combine(home, ".cache", "huggingface", "hub", "models--org--tiny-GGUF", "snapshots", "0123abcd");
            Touch(Path.Combine(snapshot, "tiny-mmproj-f16.gguf"));
            var huggingFace = Touch(Path.Combine(snapshot, "tiny-Q4_K_M.gguf"));
            Assert.That(await FindModelAsync(environment, fallback), Is.EqualTo(huggingFace));

            var configured = Touch(Path.Combine(home, "configured.gguf"));
            environment["TOASTED_MODEL"] = configured;
            Assert.That(await FindModelAsync(environment, fallback), Is.EqualTo(configured));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Test]
    public async Task Find_model_without_any_model_exits_1()
    {
        var home = Directory.CreateTempSubdirectory("toasted-home-").FullName;
        try
        {
            var environment = new Dictionary<string, string?>(NoInheritedConfiguration) { ["HOME"] = home };
            var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["find-model", Path.Combine(home, "absent.gguf")], environment: environment);
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stdout, Is.Empty);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<string> FindModelAsync(Dictionary<string, string?> environment, string fallback)
    {
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["find-model", fallback], environment: environment);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return result.StdoutText.Trim();
    }

    private static string Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, "GGUF"u8.ToArray());
        return path;
    }
}
