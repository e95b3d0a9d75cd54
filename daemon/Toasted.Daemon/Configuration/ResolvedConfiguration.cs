using System.Globalization;

namespace Toasted.Daemon.Configuration;

/// <summary>A setting's effective value (canonical text; null when nothing sets it) and where it came from.</summary>
public sealed record ResolvedSetting(SettingDefinition Definition, string? Value, SettingOrigin Origin)
{
    public long IntegerValue => long.Parse(Value!, CultureInfo.InvariantCulture);
}

/// <summary>Which config file was consulted, and whether it had to exist.</summary>
public sealed record ConfigFileChoice(string Path, bool Explicit, bool Found);

/// <summary>The outcome of layering defaults, file, environment and flags: one value per setting of
/// <see cref="SettingsSchema.All"/>, in its order.</summary>
public sealed class ResolvedConfiguration(IReadOnlyList<ResolvedSetting> settings, ConfigFileChoice file)
{
    public IReadOnlyList<ResolvedSetting> Settings { get; } = settings;

    public ConfigFileChoice File { get; } = file;

    public ResolvedSetting this[SettingDefinition definition] => Settings.First(setting => setting.Definition == definition);
}
