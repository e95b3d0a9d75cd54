namespace Toasted.Daemon.Configuration;

/// <summary>The layers a setting can come from, lowest precedence first.</summary>
public enum SettingSource { Default, File, Environment, Flag }

/// <summary>Where a setting's value came from, as <c>toasted config</c> prints it:
/// <c>default</c>, <c>file /path:LINE</c>, <c>env TOASTED_X</c>, <c>flag --x</c>.</summary>
public sealed record SettingOrigin(SettingSource Source, string Detail)
{
    public static readonly SettingOrigin Default = new(SettingSource.Default, "");

    public static SettingOrigin File(TomlValueOrigin origin) => new(SettingSource.File, $"{origin.FilePath}:{origin.Position.Line}");

    public static SettingOrigin Environment(string variable) => new(SettingSource.Environment, variable);

    public static SettingOrigin Flag(string flag) => new(SettingSource.Flag, flag);

    public override string ToString() => Source switch
    {
        SettingSource.Default => "default",
        SettingSource.File => "file " + Detail,
        SettingSource.Environment => "env " + Detail,
        _ => "flag " + Detail,
    };
}
