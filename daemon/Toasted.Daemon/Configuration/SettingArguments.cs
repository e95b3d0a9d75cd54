using Toasted.Daemon.Hosting;

namespace Toasted.Daemon.Configuration;

/// <summary>A setting given on the command line, with the flag as the user spelled it.</summary>
public sealed record FlagValue(SettingDefinition Setting, string Flag, string Text);

/// <summary>The flags of <c>toasted</c> and <c>toasted config</c>: one per setting (from
/// <see cref="SettingsSchema"/>), <c>--config PATH</c>, <c>--help</c> and <c>--version</c>.
/// <c>--flag=value</c> works for long flags.</summary>
public sealed record SettingArguments(IReadOnlyList<FlagValue> Values, string? ConfigPath, bool HelpRequested, bool VersionRequested)
{
    public static SettingArguments Parse(IReadOnlyList<string> args)
    {
        var values = new List<FlagValue>();
        string? configPath = null;
        for (var index = 0; index < args.Count; index++)
        {
            var (name, inlineValue) = SplitInlineValue(args[index]);
            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (index + 1 >= args.Count) throw new UsageException($"{name} needs a value");
                return args[++index];
            }
            // Help and version win over everything after them, even a bad flag.
            if (name is "-h" or "--help") return new SettingArguments(values, configPath, HelpRequested: true, VersionRequested: false);
            if (name == "--version") return new SettingArguments(values, configPath, HelpRequested: false, VersionRequested: true);
            if (name == SettingsSchema.ConfigFileFlag)
            {
                configPath = Value();
                if (configPath.Length == 0) throw new UsageException($"{name} needs a file path");
                continue;
            }
            if (SettingsSchema.FindByFlag(name) is not { } setting)
                throw new UsageException($"unknown argument '{args[index]}' (see toasted --help)");
            values.Add(new FlagValue(setting, name, Value()));
        }
        return new SettingArguments(values, configPath, HelpRequested: false, VersionRequested: false);
    }

    private static (string Name, string? InlineValue) SplitInlineValue(string argument)
    {
        if (!argument.StartsWith("--", StringComparison.Ordinal)) return (argument, null);
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (argument, null) : (argument[..equals], argument[(equals + 1)..]);
    }
}
