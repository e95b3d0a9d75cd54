using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Toasted.Daemon.Configuration;

/// <summary>
/// Loads a TOML file into configuration keys (<c>[queue] depth = 8</c> becomes <c>queue:depth</c> =
/// <c>"8"</c>; array items become <c>key:0</c>, <c>key:1</c>, …) and remembers, for every key, table and
/// array, its line and TOML type, so a bad setting can be reported where it was written. This is
/// the only file that knows which TOML reader is used.
/// </summary>
public sealed class TomlConfigurationProvider(TomlConfigurationSource source) : ConfigurationProvider
{
    private readonly Dictionary<string, TomlValueOrigin> _origins = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>False when the file was optional and absent.</summary>
    public bool FileFound { get; private set; }

    public string FilePath => source.Path;

    /// <summary>Every key, table and array (not array items) of the file by configuration path, in the case it was written.</summary>
    public IReadOnlyDictionary<string, TomlValueOrigin> Origins => _origins;

    public override void Load()
    {
        _origins.Clear();
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(source.Path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!source.Optional) throw new ConfigurationFileException(source.Path, 0, 0, "the config file does not exist");
            FileFound = false;
            Data = data;
            return;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException(source.Path, 0, 0, "cannot read the config file: " + exception.Message);
        }
        FileFound = true;
        AddTable(TomlReader.Read(bytes, source.Path), prefix: null, data);
        Data = data;
    }

    private void AddTable(TomlTable table, string? prefix, Dictionary<string, string?> data)
    {
        foreach (var key in table.Keys)
        {
            var position = table.PositionOf(key);
            // Configuration paths use ':' as their separator and ignore case; TOML allows both in keys.
            if (key.Contains(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal))
                throw new ConfigurationFileException(source.Path, position.Line, position.Column, $"key \"{key}\" contains ':', which is not allowed here");
            var path = prefix is null ? key : ConfigurationPath.Combine(prefix, key);
            AddValue(path, table[key], position, data);
        }
    }

    private void AddValue(string path, object value, TomlPosition position, Dictionary<string, string?> data)
    {
        if (_origins.TryGetValue(path, out var clash))
        {
            throw new ConfigurationFileException(source.Path, position.Line, position.Column,
                $"key '{path.Replace(':', '.')}' differs only in letter case from the key on line {clash.Position.Line}");
        }
        var kind = TomlValueKinds.Of(value);
        _origins.Add(path, new TomlValueOrigin(source.Path, position, kind));
        switch (value)
        {
            case TomlTable table:
                AddTable(table, path, data);
                break;
            case IReadOnlyList<object> items:
                AddItems(path, items, data);
                break;
            default:
                data[path] = FormatScalar(value);
                break;
        }
    }

    /// <summary>Array items carry no origin of their own: the array's line is where they were written.</summary>
    private static void AddItems(string path, IReadOnlyList<object> items, Dictionary<string, string?> data)
    {
        for (var index = 0; index < items.Count; index++)
        {
            var itemPath = ConfigurationPath.Combine(path, index.ToString(CultureInfo.InvariantCulture));
            if (items[index] is IReadOnlyList<object> nested) AddItems(itemPath, nested, data);
            else data[itemPath] = FormatScalar(items[index]);
        }
    }

    private static string FormatScalar(object value) => value switch
    {
        string text => text,
        long integer => integer.ToString(CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        _ => throw new ArgumentException("not a scalar", nameof(value)),
    };
}
