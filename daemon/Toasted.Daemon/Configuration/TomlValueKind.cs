namespace Toasted.Daemon.Configuration;

/// <summary>The TOML types our reader accepts. Values arrive as string, long, double, bool,
/// <see cref="IReadOnlyList{T}"/> of values, or <see cref="TomlTable"/>.</summary>
public enum TomlValueKind { String, Integer, Float, Boolean, Array, Table }

/// <summary>Maps a value produced by <see cref="TomlReader"/> to its kind.</summary>
public static class TomlValueKinds
{
    public static TomlValueKind Of(object value) => value switch
    {
        string => TomlValueKind.String,
        long => TomlValueKind.Integer,
        double => TomlValueKind.Float,
        bool => TomlValueKind.Boolean,
        TomlTable => TomlValueKind.Table,
        IReadOnlyList<object> => TomlValueKind.Array,
        _ => throw new ArgumentException($"not a TOML value: {value.GetType().Name}", nameof(value)),
    };

    /// <summary>How the kind is named in error messages: "a string", "an integer".</summary>
    public static string Describe(TomlValueKind kind) => kind switch
    {
        TomlValueKind.String => "a string",
        TomlValueKind.Integer => "an integer",
        TomlValueKind.Float => "a float",
        TomlValueKind.Boolean => "a boolean",
        TomlValueKind.Array => "an array",
        _ => "a table",
    };
}
