using System.Globalization;

namespace Toasted.Daemon.Configuration;

/// <summary>The shape of a setting's value.</summary>
public enum SettingType
{
    /// <summary>A TOML string.</summary>
    Text,
    /// <summary>A TOML integer within <see cref="SettingDefinition.Minimum"/>..<see cref="SettingDefinition.Maximum"/>.</summary>
    Integer,
    /// <summary>A TOML string from <see cref="SettingDefinition.Choices"/>.</summary>
    Choice,
}

/// <summary>What it takes for a changed value to apply to a running daemon; a SIGHUP reload applies the live ones.</summary>
public enum SettingReload
{
    /// <summary>Can apply at once, between requests.</summary>
    Live,
    /// <summary>Would apply by loading the model again; a reload does not do that yet, so for now it needs a restart.</summary>
    ModelReload,
    /// <summary>Needs a restart.</summary>
    Restart,
}

/// <summary>One setting: its TOML key, type, default, range, and the variable and flag that override it.</summary>
public sealed record SettingDefinition
{
    /// <summary>The TOML key, dotted for keys inside a table: <c>queue.depth</c> is <c>depth</c> under <c>[queue]</c>.</summary>
    public required string Key { get; init; }

    public required SettingType Type { get; init; }

    public required string Description { get; init; }

    public required string EnvironmentVariable { get; init; }

    public required string Flag { get; init; }

    public string? ShortFlag { get; init; }

    /// <summary>The value when nothing sets it, as text; null: not set.</summary>
    public string? Default { get; init; }

    /// <summary>For defaults that depend on the machine (the socket path): computes them.</summary>
    public Func<string>? ComputedDefault { get; init; }

    public long Minimum { get; init; }

    public long Maximum { get; init; } = long.MaxValue;

    /// <summary>Why the range is narrower than it looks, said in the error for a value outside it.</summary>
    public string? RangeReason { get; init; }

    public IReadOnlyList<string> Choices { get; init; } = [];

    public required SettingReload Reload { get; init; }

    /// <summary>The key as a configuration path: <c>queue:depth</c>.</summary>
    public string ConfigurationKey => Key.Replace('.', ':');

    /// <summary>The table the key sits in (<c>queue</c>), or empty for the top level.</summary>
    public string Table => Key.LastIndexOf('.') is var dot and >= 0 ? Key[..dot] : "";

    /// <summary>The key within its table (<c>depth</c>).</summary>
    public string Name => Key[(Key.LastIndexOf('.') + 1)..];

    /// <summary>What a valid value looks like, for error messages.</summary>
    public string Expected => Type switch
    {
        SettingType.Integer when Minimum == Maximum => $"the integer {Minimum}" + (RangeReason is null ? "" : $" ({RangeReason})"),
        SettingType.Integer => $"an integer from {Minimum.ToString(CultureInfo.InvariantCulture)} to {Maximum.ToString(CultureInfo.InvariantCulture)}"
            + (RangeReason is null ? "" : $" ({RangeReason})"),
        SettingType.Choice => "one of " + string.Join(", ", Choices),
        _ => "a string",
    };

    /// <summary>The TOML kind a file must use for this setting.</summary>
    public TomlValueKind FileKind => Type == SettingType.Integer ? TomlValueKind.Integer : TomlValueKind.String;

    /// <summary>Checks a value given as text (from a variable or a flag, or a file value already of the
    /// right kind) and returns it in canonical form, or null with <paramref name="problem"/> set.</summary>
    public string? Normalize(string text, out string? problem)
    {
        problem = null;
        switch (Type)
        {
            case SettingType.Integer:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    && number >= Minimum && number <= Maximum)
                    return number.ToString(CultureInfo.InvariantCulture);
                break;
            case SettingType.Choice:
                if (Choices.FirstOrDefault(choice => string.Equals(choice, text, StringComparison.OrdinalIgnoreCase)) is { } chosen)
                    return chosen;
                break;
            default:
                if (text.Length > 0) return text;
                problem = "expected a non-empty string";
                return null;
        }
        problem = $"expected {Expected}";
        return null;
    }
}
