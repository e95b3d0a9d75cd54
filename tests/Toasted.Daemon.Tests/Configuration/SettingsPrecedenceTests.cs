using NUnit.Framework;
using Toasted.Daemon.Configuration;
using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Tests.Configuration;

/// <summary>Defaults, then the config file, then TOASTED_* variables, then flags; each value reports its source.</summary>
public class SettingsPrecedenceTests
{
    private string _folder = null!;
    private Dictionary<string, string?> _environment = null!;

    [SetUp]
    public void CreateHome()
    {
        _folder = Directory.CreateTempSubdirectory("toasted-config-").FullName;
        _environment = new Dictionary<string, string?> { ["HOME"] = _folder, ["XDG_CONFIG_HOME"] = Path.Combine(_folder, "xdg") };
    }

    [TearDown] public void DeleteHome() => Directory.Delete(_folder, recursive: true);

    public sealed record PrecedenceCase(string Key, string? File, string? Environment, string? Flag, string Expected, SettingSource Source)
    {
        public override string ToString() => $"{Key}: file {File ?? "-"}, env {Environment ?? "-"}, flag {Flag ?? "-"}";
    }

    private static IEnumerable<PrecedenceCase> Cases()
    {
        // Every combination of the three layers for one integer setting.
        foreach (var file in new[] { null, "3" })
        foreach (var environment in new[] { null, "5" })
        foreach (var flag in new[] { null, "7" })
        {
            var (expected, source) = flag is not null ? (flag, SettingSource.Flag)
                : environment is not null ? (environment, SettingSource.Environment)
                : file is not null ? (file, SettingSource.File)
                : ("0", SettingSource.Default);
            yield return new PrecedenceCase("threads", file, environment, flag, expected, source);
        }
        yield return new PrecedenceCase("queue.depth", null, null, null, "64", SettingSource.Default);
        yield return new PrecedenceCase("queue.depth", "8", null, null, "8", SettingSource.File);
        yield return new PrecedenceCase("queue.depth", "8", "16", null, "16", SettingSource.Environment);
        yield return new PrecedenceCase("queue.depth", "8", "16", "32", "32", SettingSource.Flag);
        yield return new PrecedenceCase("queue.write_timeout_ms", "0", null, null, "0", SettingSource.File);
        yield return new PrecedenceCase("log.level", "\"debug\"", null, null, "debug", SettingSource.File);
        yield return new PrecedenceCase("log.level", "\"debug\"", "WARNING", null, "warning", SettingSource.Environment);
        yield return new PrecedenceCase("log.level", null, null, "error", "error", SettingSource.Flag);
        yield return new PrecedenceCase("model", "'/models/a.gguf'", null, null, "/models/a.gguf", SettingSource.File);
        yield return new PrecedenceCase("model", "'/models/a.gguf'", "/models/b.gguf", null, "/models/b.gguf", SettingSource.Environment);
        yield return new PrecedenceCase("model", "'/models/a.gguf'", "/models/b.gguf", "auto", "auto", SettingSource.Flag);
        yield return new PrecedenceCase("model", null, "", null, "", SettingSource.Default);
        yield return new PrecedenceCase("socket", "\"/run/a.sock\"", null, "/run/b.sock", "/run/b.sock", SettingSource.Flag);
    }

    [TestCaseSource(nameof(Cases))]
    public void Each_layer_overrides_the_one_before_and_names_itself(PrecedenceCase testCase)
    {
        var setting = SettingsSchema.FindByKey(testCase.Key)!;
        var flags = new List<string>();
        string? path = null;
        if (testCase.File is not null)
        {
            path = WriteDefaultFile(setting.Table.Length > 0
                ? $"# written by the test\n[{setting.Table}]\n{setting.Name} = {testCase.File}\n"
                : $"# written by the test\n{setting.Name} = {testCase.File}\n");
        }
        if (testCase.Environment is not null) _environment[setting.EnvironmentVariable] = testCase.Environment;
        if (testCase.Flag is not null) flags.AddRange([setting.Flag, testCase.Flag]);

        var resolved = Resolve(flags)[setting];

        var expectedOrigin = testCase.Source switch
        {
            SettingSource.Default => "default",
            SettingSource.File => $"file {path}:{(setting.Table.Length > 0 ? 3 : 2)}",
            SettingSource.Environment => "env " + setting.EnvironmentVariable,
            _ => "flag " + setting.Flag,
        };
        var expectedValue = testCase.Source == SettingSource.Default ? setting.Default ?? setting.ComputedDefault?.Invoke() : testCase.Expected;
        Assert.That(resolved.Value, Is.EqualTo(expectedValue));
        Assert.That(resolved.Origin.ToString(), Is.EqualTo(expectedOrigin));
    }

    [Test]
    public void The_config_flag_wins_over_TOASTED_CONFIG_which_wins_over_the_default_location()
    {
        WriteDefaultFile("threads = 1\n");
        var fromEnvironment = Write("env.toml", "threads = 2\n");
        var fromFlag = Write("flag.toml", "threads = 3\n");

        Assert.That(Resolve([])[SettingsSchema.Threads].Value, Is.EqualTo("1"));
        _environment[SettingsSchema.ConfigFileEnvironmentVariable] = fromEnvironment;
        Assert.That(Resolve([])[SettingsSchema.Threads].Value, Is.EqualTo("2"));
        var configuration = Resolve(["--config", fromFlag]);
        Assert.That(configuration[SettingsSchema.Threads].Value, Is.EqualTo("3"));
        Assert.That(configuration.File, Is.EqualTo(new ConfigFileChoice(fromFlag, Explicit: true, Found: true)));
    }

    [Test]
    public void The_default_file_may_be_missing_but_a_named_one_may_not()
    {
        var configuration = Resolve([]);
        Assert.That(configuration.File, Is.EqualTo(new ConfigFileChoice(Path.Combine(_folder, "xdg", "toasted", "config.toml"), false, false)));
        Assert.That(configuration.Settings.All(setting => setting.Origin.Source == SettingSource.Default), Is.True);

        var missing = Path.Combine(_folder, "missing.toml");
        var error = Assert.Throws<ConfigurationFileException>(() => Resolve(["--config", missing]))!;
        Assert.That(error.Message, Does.Contain(missing).And.Contain("does not exist"));
        _environment[SettingsSchema.ConfigFileEnvironmentVariable] = missing;
        Assert.Throws<ConfigurationFileException>(() => Resolve([]));
    }

    [Test]
    public void The_default_location_follows_XDG_then_home_and_Application_Support_on_macOS()
    {
        Assert.That(ConfigFileLocation.DefaultPath(Lookup, isMacOS: false), Is.EqualTo(Path.Combine(_folder, "xdg", "toasted", "config.toml")));
        _environment["XDG_CONFIG_HOME"] = "relative/ignored";
        Assert.That(ConfigFileLocation.DefaultPath(Lookup, isMacOS: false), Is.EqualTo(Path.Combine(_folder, ".config", "toasted", "config.toml")));
        Assert.That(ConfigFileLocation.DefaultPath(Lookup, isMacOS: true),
            Is.EqualTo(Path.Combine(_folder, "Library", "Application Support", "toasted", "config.toml")));
    }

    [TestCase("threads = 2\nmodle = 'x.gguf'\n", 2, 1, "unknown key 'modle'")]
    [TestCase("[queue]\ndepth = 4\ndepht = 3\n", 3, 1, "unknown key 'queue.depht'")]
    [TestCase("[cache]\n", 1, 1, "unknown key 'cache'")]
    [TestCase("Threads = 2\n", 1, 1, "unknown key 'Threads'")]
    [TestCase("queue = 5\n", 1, 1, "'queue' must be a table")]
    [TestCase("threads = \"four\"\n", 1, 1, "threads: expected an integer from 0 to 4096, not a string")]
    [TestCase("threads = 2.5\n", 1, 1, "threads: expected an integer from 0 to 4096, not a float")]
    [TestCase("threads = [1]\n", 1, 1, "threads: expected an integer from 0 to 4096, not an array")]
    [TestCase("\n\nthreads = 5000\n", 3, 1, "threads: expected an integer from 0 to 4096, not 5000")]
    [TestCase("[queue]\n  depth = 0\n", 2, 3, "queue.depth: expected an integer from 1 to 65536, not 0")]
    [TestCase("[queue]\nslots = 2\n", 2, 1, "queue.slots: expected the integer 1 (the engine runs one generation at a time for now), not 2")]
    [TestCase("model = \"\"\n", 1, 1, "model: expected a non-empty string")]
    [TestCase("model = true\n", 1, 1, "model: expected a string, not a boolean")]
    [TestCase("[log]\nlevel = \"loud\"\n", 2, 1, "log.level: expected one of trace, debug, information, warning, error, critical, none, not \"loud\"")]
    public void A_bad_file_setting_names_the_key_its_line_and_what_was_expected(string document, int line, int column, string reason)
    {
        var path = Write("bad.toml", document);
        var error = Assert.Throws<ConfigurationFileException>(() => Resolve(["--config", path]))!;
        Assert.That(error.Reason, Does.StartWith(reason));
        Assert.That(error.Message, Does.StartWith($"{path}:{line}:{column}: "));
    }

    [Test]
    public void A_bad_file_value_is_an_error_even_when_a_flag_overrides_it()
    {
        var path = Write("bad.toml", "threads = -1\n");
        Assert.Throws<ConfigurationFileException>(() => Resolve(["--config", path, "--threads", "2"]));
    }

    [TestCase("TOASTED_THREADS", "many", "TOASTED_THREADS: expected an integer from 0 to 4096, not 'many'")]
    [TestCase("TOASTED_QUEUE_DEPTH", "0", "TOASTED_QUEUE_DEPTH: expected an integer from 1 to 65536, not '0'")]
    [TestCase("TOASTED_QUEUE_SLOTS", "4", "TOASTED_QUEUE_SLOTS: expected the integer 1 (the engine runs one generation at a time for now), not '4'")]
    [TestCase("TOASTED_LOG_LEVEL", "verbose", "TOASTED_LOG_LEVEL: expected one of trace")]
    public void A_bad_environment_value_names_the_variable(string variable, string value, string message)
    {
        _environment[variable] = value;
        var error = Assert.Throws<UsageException>(() => Resolve([]))!;
        Assert.That(error.Message, Does.StartWith(message));
    }

    [TestCase("--context", "-5", "--context needs an integer from 0 to 1048576, not '-5'")]
    [TestCase("--slots", "2", "--slots needs the integer 1 (the engine runs one generation at a time for now), not '2'")]
    [TestCase("--write-timeout-ms", "soon", "--write-timeout-ms needs an integer from 0 to 3600000, not 'soon'")]
    [TestCase("--model", "", "--model needs a non-empty value, not ''")]
    public void A_bad_flag_value_names_the_flag(string flag, string value, string message)
    {
        var error = Assert.Throws<UsageException>(() => Resolve([flag, value]))!;
        Assert.That(error.Message, Is.EqualTo(message));
    }

    [Test]
    public void Daemon_settings_carry_every_resolved_value()
    {
        var path = Write("all.toml", """
            model = "/models/m.gguf"
            socket = "/run/t/toasted.sock"
            threads = 3
            context = 2048
            [queue]
            depth = 9
            slots = 1
            write_timeout_ms = 1500
            [log]
            level = "warning"
            """);
        var settings = DaemonSettings.From(Resolve(["--config", path]));
        Assert.That(settings, Is.EqualTo(new DaemonSettings
        {
            ModelPath = "/models/m.gguf",
            SocketPath = "/run/t/toasted.sock",
            SocketPathExplicit = true,
            Threads = 3,
            ContextLength = 2048,
            QueueCapacity = 9,
            InferenceSlots = 1,
            WriteTimeout = TimeSpan.FromMilliseconds(1500),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        }));
    }

    private ResolvedConfiguration Resolve(IReadOnlyList<string> flags) =>
        SettingsResolver.Resolve(SettingArguments.Parse(flags), Lookup, isMacOS: false);

    private string? Lookup(string name) => _environment.GetValueOrDefault(name);

    private string WriteDefaultFile(string document)
    {
        var path = Path.Combine(_folder, "xdg", "toasted", "config.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, document);
        return path;
    }

    private string Write(string name, string document)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, document);
        return path;
    }
}
