using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Configuration;

/// <summary>
/// All of toasted's configuration is read here: defaults, then the config file, then <c>TOASTED_*</c>
/// variables, then flags, each overriding the one before. Every value present in any layer is
/// checked, even one a higher layer overrides, so a broken file never lies in wait. File problems
/// are <see cref="ConfigurationFileException"/>s with the line; variable and flag problems are
/// <see cref="UsageException"/>s naming the variable or flag.
/// </summary>
public static class SettingsResolver
{
    public static ResolvedConfiguration Resolve(SettingArguments arguments, Func<string, string?> environment, bool isMacOS)
    {
        var (path, isExplicit) = ConfigFileLocation.Choose(arguments.ConfigPath, environment, isMacOS);
        var file = new TomlConfigurationProvider(new TomlConfigurationSource { Path = path, Optional = !isExplicit });
        file.Load();
        RejectUnknownKeys(file);
        var settings = SettingsSchema.All.Select(setting => Resolve(setting, file, environment, arguments.Values)).ToList();
        return new ResolvedConfiguration(settings, new ConfigFileChoice(path, isExplicit, file.FileFound));
    }

    private static ResolvedSetting Resolve(SettingDefinition setting, TomlConfigurationProvider file,
        Func<string, string?> environment, IReadOnlyList<FlagValue> flags)
    {
        var resolved = new ResolvedSetting(setting, setting.Default ?? setting.ComputedDefault?.Invoke(), SettingOrigin.Default);

        if (file.Origins.TryGetValue(setting.ConfigurationKey, out var origin))
        {
            if (origin.Kind != setting.FileKind)
                throw FileError(origin, $"{setting.Key}: expected {setting.Expected}, not {TomlValueKinds.Describe(origin.Kind)}");
            file.TryGet(setting.ConfigurationKey, out var text);
            var value = setting.Normalize(text!, out var problem)
                ?? throw FileError(origin, $"{setting.Key}: {problem}, not {(origin.Kind == TomlValueKind.String ? $"\"{text}\"" : text)}");
            resolved = resolved with { Value = value, Origin = SettingOrigin.File(origin) };
        }

        // An empty variable counts as unset, as it always has for TOASTED_MODEL and TOASTED_SOCKET.
        if (environment(setting.EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            var value = setting.Normalize(fromEnvironment, out var problem)
                ?? throw new UsageException($"{setting.EnvironmentVariable}: {problem}, not '{fromEnvironment}'");
            resolved = resolved with { Value = value, Origin = SettingOrigin.Environment(setting.EnvironmentVariable) };
        }

        foreach (var flag in flags.Where(flag => flag.Setting == setting))
        {
            var value = setting.Normalize(flag.Text, out _)
                ?? throw new UsageException($"{flag.Flag} needs {(setting.Type == SettingType.Text ? "a non-empty value" : setting.Expected)}, not '{flag.Text}'");
            resolved = resolved with { Value = value, Origin = SettingOrigin.Flag(flag.Flag) };
        }
        return resolved;
    }

    private static void RejectUnknownKeys(TomlConfigurationProvider file)
    {
        foreach (var (path, origin) in file.Origins.OrderBy(entry => entry.Value.Position.Line).ThenBy(entry => entry.Value.Position.Column))
        {
            var key = path.Replace(':', '.');
            if (SettingsSchema.FindByKey(key) is not null) continue;
            var isTable = SettingsSchema.IsTable(key);
            if (isTable && origin.Kind == TomlValueKind.Table) continue;
            if (isTable) throw FileError(origin, $"'{key}' must be a table: write [{key}] and the keys under it");
            throw FileError(origin, $"unknown key '{key}' (known keys: {string.Join(", ", SettingsSchema.All.Select(setting => setting.Key))})");
        }
    }

    private static ConfigurationFileException FileError(TomlValueOrigin origin, string reason) =>
        new(origin.FilePath, origin.Position.Line, origin.Position.Column, reason);
}
