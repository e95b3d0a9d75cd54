using NUnit.Framework;
using Toasted.Daemon.Configuration;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests.Configuration;

/// <summary><c>toasted config</c> and config errors at start-up, run as the real process.</summary>
public class ConfigCommandTests
{
    private string _folder = null!;
    private Dictionary<string, string?> _environment = null!;

    [SetUp]
    public void CreateHome()
    {
        _folder = Directory.CreateTempSubdirectory("toasted-config-").FullName;
        // Nothing from the developer's own configuration may leak into these runs.
        _environment = new Dictionary<string, string?>
        {
            ["HOME"] = _folder, ["XDG_CONFIG_HOME"] = Path.Combine(_folder, "xdg"), ["TOASTED_CONFIG"] = null,
            ["TOASTED_MODEL"] = null, ["TOASTED_SOCKET"] = null, ["TOASTED_FALLBACK_MODEL"] = null,
        };
        foreach (var setting in SettingsSchema.All) _environment[setting.EnvironmentVariable] = null;
    }

    [TearDown] public void DeleteHome() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Config_prints_a_valid_file_of_the_effective_settings_with_their_sources()
    {
        var path = Write("config.toml", """
            # my daemon
            model = "/models/from-file.gguf"
            threads = 3

            [queue]
            depth = 9

            [log]
            level = "debug"
            """);
        _environment["TOASTED_THREADS"] = "5";

        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["config", "--config", path, "--queue", "12"], environment: _environment);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var printed = TomlReader.Parse(result.StdoutText, "stdout");
        Assert.That(printed["model"], Is.EqualTo("/models/from-file.gguf"));
        Assert.That(printed["threads"], Is.EqualTo(5L));
        Assert.That(printed["context"], Is.EqualTo(0L));
        var queue = (TomlTable)printed["queue"];
        Assert.That(queue["depth"], Is.EqualTo(12L));
        Assert.That(queue["slots"], Is.EqualTo(1L));
        Assert.That(queue["write_timeout_ms"], Is.EqualTo(30000L));
        Assert.That(((TomlTable)printed["log"])["level"], Is.EqualTo("debug"));
        Assert.That(printed.Keys, Does.Not.Contain("fallback_model"), "an unset setting is printed commented out");

        var lines = result.StdoutText.Split('\n');
        Assert.That(lines, Does.Contain($"model = \"/models/from-file.gguf\"  # file {path}:2"));
        Assert.That(lines, Does.Contain("threads = 5  # env TOASTED_THREADS"));
        Assert.That(lines, Does.Contain("context = 0  # default"));
        Assert.That(lines, Does.Contain("depth = 12  # flag --queue"));
        Assert.That(lines, Does.Contain($"level = \"debug\"  # file {path}:9"));
        Assert.That(lines, Does.Contain("# fallback_model is not set  # default"));
        Assert.That(result.Stderr, Is.Empty);
    }

    [Test]
    public async Task Config_reads_the_default_location_and_its_output_reads_back_the_same()
    {
        var defaultFile = Path.Combine(_folder, "xdg", "toasted", "config.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(defaultFile)!);
        File.WriteAllText(defaultFile, "socket = '/tmp/toasted-test/\"quoted\" \\ path.sock'\n[queue]\nwrite_timeout_ms = 0\n");

        var first = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["config"], environment: _environment);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(first.StdoutText, Does.Contain($"write_timeout_ms = 0  # file {defaultFile}:3"));

        // The printed configuration, used as a config file, gives the same values.
        var copy = Write("copy.toml", first.StdoutText);
        var second = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["config", "--config", copy], environment: _environment);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        var values = TomlReader.Parse(second.StdoutText, "second");
        Assert.That(values["socket"], Is.EqualTo("/tmp/toasted-test/\"quoted\" \\ path.sock"));
        Assert.That(((TomlTable)values["queue"])["write_timeout_ms"], Is.EqualTo(0L));
    }

    [Test]
    public async Task An_unknown_key_exits_2_naming_the_key_and_its_line()
    {
        var path = Write("config.toml", "threads = 2\n\n[queue]\ndepht = 3\n");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["config", "--config", path], environment: _environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stdout, Is.Empty);
        Assert.That(result.Stderr, Does.StartWith($"toasted config: {path}:4:1: unknown key 'queue.depht'"));
    }

    [Test]
    public async Task A_bad_environment_value_exits_2_naming_the_variable()
    {
        _environment["TOASTED_QUEUE_DEPTH"] = "lots";
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["config"], environment: _environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("TOASTED_QUEUE_DEPTH").And.Contain("'lots'"));
    }

    [Test]
    public async Task The_daemon_refuses_to_start_on_a_bad_config_file_even_with_a_model_flag()
    {
        var path = Write("bad.toml", "threads = 2\nthreads = 3\n");
        var socket = Path.Combine(_folder, "run", "toasted.sock");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--config", path, "--model", "X", "--socket", socket], environment: _environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.StartWith($"toasted: {path}:2:1: key 'threads' is defined twice"));
        Assert.That(File.Exists(socket), Is.False);
    }

    [Test]
    public async Task The_daemon_refuses_to_start_when_the_named_config_file_is_missing()
    {
        var missing = Path.Combine(_folder, "missing.toml");
        _environment["TOASTED_CONFIG"] = missing;
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--model", "X"], environment: _environment);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain(missing).And.Contain("does not exist"));
    }

    [Test]
    public async Task The_model_may_come_from_the_config_file()
    {
        var missingModel = Path.Combine(_folder, "absent.gguf");
        var path = Write("config.toml", $"model = {TomlText.BasicString(missingModel)}\nsocket = {TomlText.BasicString(Path.Combine(_folder, "run", "t.sock"))}\n");
        var result = await ProcessRun.RunAsync(BuiltBinaries.Toasted, ["--config", path], environment: _environment);
        // Exit 1 (model missing) rather than 2 (no model configured): the file's model was used.
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain("model file not found").And.Contain(missingModel));
    }

    private string Write(string name, string document)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, document);
        return path;
    }
}
