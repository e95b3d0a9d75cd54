using System.Xml;
using NUnit.Framework;
using Toasted.Daemon.Configuration;
using Toasted.Daemon.Service;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests.Service;

/// <summary><c>toasted install</c> and <c>uninstall</c>, run as the real process against a temporary HOME,
/// always with <c>--no-start</c> or <c>--dry-run</c> so the machine's own service manager is never touched.</summary>
public class ServiceInstallTests
{
    private string _home = null!;
    private Dictionary<string, string?> _environment = null!;

    [SetUp]
    public void CreateHome()
    {
        _home = Directory.CreateTempSubdirectory("toasted-home-").FullName;
        _environment = new Dictionary<string, string?>
        {
            ["HOME"] = _home, ["XDG_CONFIG_HOME"] = null, ["XDG_STATE_HOME"] = null, ["TOASTED_CONFIG"] = null,
        };
        foreach (var setting in SettingsSchema.All) _environment[setting.EnvironmentVariable] = null;
    }

    [TearDown] public void DeleteHome() => Directory.Delete(_home, recursive: true);

    private static string Model => SharedKit.Require(StoriesGolden.ModelFile);

    private Task<ProcessResult> ToastedAsync(params string[] arguments) =>
        ProcessRun.RunAsync(BuiltBinaries.Toasted, arguments, environment: _environment);

    [Test]
    public async Task Dry_run_for_macos_prints_a_well_formed_launch_agent_with_absolute_paths()
    {
        var config = Path.Combine(_home, "my config.toml");
        File.WriteAllText(config, "[log]\nlevel = \"warning\"\n");

        var result = await ToastedAsync("install", "--dry-run", "--platform", "macos", "--model", Model, "--config", config);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var plist = new XmlDocument();
        using (var reader = XmlReader.Create(new StringReader(result.StdoutText), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
            plist.Load(reader);
        // The reader skips the DTD (it would fetch it); the declaration itself is checked as text.
        Assert.That(result.StdoutText, Does.Contain("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"));
        Assert.That(plist.DocumentElement?.Name, Is.EqualTo("plist"));
        var entries = Dictionary(plist.SelectSingleNode("/plist/dict")!);
        Assert.That(entries["Label"].InnerText, Is.EqualTo("dev.toasted.toasted"));
        var program = entries["ProgramArguments"].ChildNodes.Cast<XmlNode>().Select(node => node.InnerText).ToList();
        Assert.That(program[0], Does.EndWith("/toasted").And.Matches<string>(Path.IsPathRooted));
        Assert.That(File.Exists(program[0]), Is.True, "the executable is the toasted that ran install");
        Assert.That(program.Skip(1), Is.EqualTo(new[] { "--config", config, "--model", Model }));
        Assert.That(entries["RunAtLoad"].Name, Is.EqualTo("true"));
        Assert.That(Dictionary(entries["KeepAlive"])["SuccessfulExit"].Name, Is.EqualTo("false"), "restarted only after a failure");
        var logFile = Path.Combine(_home, "Library", "Logs", "toasted", "toasted.log");
        Assert.That(entries["StandardOutPath"].InnerText, Is.EqualTo(logFile));
        Assert.That(entries["StandardErrorPath"].InnerText, Is.EqualTo(logFile));
        Assert.That(Directory.EnumerateFileSystemEntries(_home), Is.EqualTo(new[] { config }), "a dry run writes nothing");

        if (FindExecutable("plutil") is not { } plutil) return;
        var plistFile = Path.Combine(_home, "agent.plist");
        File.WriteAllText(plistFile, result.StdoutText);
        var lint = await ProcessRun.RunAsync(plutil, ["-lint", plistFile]);
        Assert.That(lint.ExitCode, Is.EqualTo(0), lint.ToString());
    }

    [Test]
    public async Task Dry_run_for_linux_prints_a_user_unit_that_systemd_accepts()
    {
        var result = await ToastedAsync("install", "--dry-run", "--platform", "linux", "--model", Model);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = result.StdoutText.Split('\n');
        var execStart = lines.Single(line => line.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..].Split(' ');
        Assert.That(execStart[0], Does.EndWith("/toasted").And.Matches<string>(Path.IsPathRooted));
        Assert.That(File.Exists(execStart[0]), Is.True);
        var logFile = Path.Combine(_home, ".local", "state", "toasted", "toasted.log");
        Assert.That(execStart.Skip(1), Is.EqualTo(new[] { "--model", Model, "--log-file", logFile }));
        Assert.That(lines, Does.Contain("[Service]").And.Contain("[Install]"));
        Assert.That(lines, Does.Contain("Restart=on-failure").And.Contain("RestartSec=5").And.Contain("WantedBy=default.target"));
        Assert.That(lines, Does.Contain("ExecReload=/bin/kill -HUP $MAINPID"));
        Assert.That(result.Stderr, Does.Contain("systemctl --user daemon-reload && systemctl --user enable --now toasted.service"));

        if (FindExecutable("systemd-analyze") is not { } analyze)
        {
            Assert.Pass("systemd-analyze is not installed: the unit was checked key by key only");
            return;
        }
        var unitFolder = Directory.CreateDirectory(Path.Combine(_home, "unit")).FullName;
        var unitFile = Path.Combine(unitFolder, "toasted.service");
        File.WriteAllText(unitFile, result.StdoutText);
        var verify = await ProcessRun.RunAsync(analyze, ["verify", unitFile]);
        if (verify.ExitCode != 0 && verify.Stderr.Contains("Failed to initialize manager", StringComparison.Ordinal))
            Assert.Ignore("systemd-analyze cannot run a manager here: " + verify.Stderr.Trim());
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());
        Assert.That(verify.Stderr, Does.Not.Contain("toasted.service"), "no complaint about the unit");
    }

    [TestCase("linux", ".config/systemd/user/toasted.service")]
    [TestCase("macos", "Library/LaunchAgents/dev.toasted.toasted.plist")]
    public async Task Install_then_uninstall_leaves_no_file_behind(string platform, string serviceFile)
    {
        var installed = await ToastedAsync("install", "--no-start", "--platform", platform, "--model", Model);

        Assert.That(installed.ExitCode, Is.EqualTo(0), installed.ToString());
        var path = Path.Combine(_home, serviceFile);
        Assert.That(File.Exists(path), Is.True, installed.ToString());
        Assert.That(installed.StdoutText, Does.Contain("wrote " + path));
        Assert.That(installed.StdoutText, Does.Contain(platform == "linux" ? "systemctl --user daemon-reload" : "launchctl bootstrap gui/"));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo((UnixFileMode)0x1A4), "0644, like the files systemctl and launchctl write"); // 0644

        var removed = await ToastedAsync("uninstall", "--no-start", "--platform", platform);

        Assert.That(removed.ExitCode, Is.EqualTo(0), removed.ToString());
        Assert.That(removed.StdoutText, Does.Contain("removed " + path));
        Assert.That(Directory.EnumerateFiles(_home, "*", SearchOption.AllDirectories), Is.Empty);
        var again = await ToastedAsync("uninstall", "--no-start", "--platform", platform);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.StdoutText, Does.Contain("not installed"));
    }

    [Test]
    public async Task Install_replaces_an_existing_unit_by_renaming_a_complete_new_file()
    {
        var path = Path.Combine(_home, ".config", "systemd", "user", "toasted.service");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "old unit\n");
        // A second name for the old file: a write in place would change what it shows, a rename does not.
        var link = Path.Combine(_home, "old-unit-link");
        var ln = await ProcessRun.RunAsync("/bin/ln", [path, link]);
        Assert.That(ln.ExitCode, Is.EqualTo(0), ln.ToString());

        var installed = await ToastedAsync("install", "--no-start", "--platform", "linux", "--model", Model);

        Assert.That(installed.ExitCode, Is.EqualTo(0), installed.ToString());
        Assert.That(File.ReadAllText(link), Is.EqualTo("old unit\n"), "the old file was not written over");
        Assert.That(File.ReadAllText(path), Does.StartWith("# Written by `toasted install`"));
        Assert.That(Directory.EnumerateFiles(Path.GetDirectoryName(path)!), Is.EqualTo(new[] { path }), "no temporary file is left");
    }

    [Test]
    public async Task Install_refuses_a_missing_model_or_a_broken_config_with_exit_2()
    {
        var missing = await ToastedAsync("install", "--dry-run", "--platform", "linux", "--model", Path.Combine(_home, "nope.gguf"));
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.ToString());
        Assert.That(missing.Stderr, Does.Contain("model file not found"));

        var config = Path.Combine(_home, "bad.toml");
        File.WriteAllText(config, "[queue]\ndepht = 3\n");
        var broken = await ToastedAsync("install", "--dry-run", "--platform", "linux", "--config", config);
        Assert.That(broken.ExitCode, Is.EqualTo(2), broken.ToString());
        Assert.That(broken.Stderr, Does.Contain($"{config}:2:1: unknown key 'queue.depht'"));
    }

    [Test]
    public async Task Install_without_a_model_warns_that_the_service_will_not_start()
    {
        var result = await ToastedAsync("install", "--dry-run", "--platform", "linux");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Stderr, Does.Contain("warning: no model configured"));
        Assert.That(result.StdoutText, Does.Not.Contain("--model"));
    }

    [Test]
    public void Unit_words_with_spaces_quotes_percent_and_dollar_are_quoted_for_systemd()
    {
        Assert.That(SystemdUnitText.Quote("/opt/toasted/bin/toasted"), Is.EqualTo("/opt/toasted/bin/toasted"));
        Assert.That(SystemdUnitText.Quote("/models/my model.gguf"), Is.EqualTo("\"/models/my model.gguf\""));
        Assert.That(SystemdUnitText.Quote("/m/100%$HOME\"x\\"), Is.EqualTo("\"/m/100%%$$HOME\\\"x\\\\\""));
    }

    private static Dictionary<string, XmlNode> Dictionary(XmlNode dict)
    {
        var entries = new Dictionary<string, XmlNode>();
        var children = dict.ChildNodes.Cast<XmlNode>().Where(node => node.NodeType == XmlNodeType.Element).ToList();
        for (var index = 0; index + 1 < children.Count; index += 2)
        {
            Assert.That(children[index].Name, Is.EqualTo("key"), "a plist dict alternates key and value");
            entries[children[index].InnerText] = children[index + 1];
        }
        return entries;
    }

    private static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}
