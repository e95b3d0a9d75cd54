namespace Toasted.Daemon.Configuration;

/// <summary>
/// Prints resolved settings as a TOML file, each line followed by where its value came from:
/// <code>
/// threads = 4  # env TOASTED_THREADS
/// [queue]
/// depth = 8  # file /home/me/.config/toasted/config.toml:3
/// </code>
/// A setting nothing sets is printed commented out, so the output is always a valid config file.
/// </summary>
public static class EffectiveConfigurationWriter
{
    public static void Write(ResolvedConfiguration configuration, TextWriter output)
    {
        var file = configuration.File;
        output.WriteLine(file.Found
            ? $"# toasted configuration; file: {file.Path}"
            : $"# toasted configuration; no file at {file.Path}");
        var table = "";
        foreach (var setting in configuration.Settings)
        {
            var definition = setting.Definition;
            if (definition.Table != table)
            {
                table = definition.Table;
                output.WriteLine();
                output.WriteLine($"[{table}]");
            }
            if (setting.Value is null)
            {
                output.WriteLine($"# {definition.Name} is not set  # {setting.Origin}");
                continue;
            }
            var value = definition.Type == SettingType.Integer ? setting.Value : TomlText.BasicString(setting.Value);
            output.WriteLine($"{definition.Name} = {value}  # {setting.Origin}");
        }
    }
}
