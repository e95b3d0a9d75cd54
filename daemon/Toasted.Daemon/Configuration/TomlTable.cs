namespace Toasted.Daemon.Configuration;

/// <summary>How a table came to exist; the TOML rules on defining a table twice depend on it.</summary>
public enum TomlTableOrigin
{
    /// <summary>Named only as the parent in a header (<c>[a.b]</c> creates <c>a</c>); may still be defined once.</summary>
    Implicit,
    /// <summary>Defined by its own <c>[header]</c>.</summary>
    Header,
    /// <summary>Created by a dotted key (<c>a.b = 1</c> creates <c>a</c>); only more dotted keys may add to it.</summary>
    DottedKey,
}

/// <summary>A TOML table: keys in the order they were written, each with the position of its key.</summary>
public sealed class TomlTable
{
    private readonly OrderedDictionary<string, object> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TomlPosition> _positions = new(StringComparer.Ordinal);

    public TomlTable(TomlPosition position, TomlTableOrigin origin)
    {
        Position = position;
        Origin = origin;
    }

    /// <summary>Where the table was defined (its header or first dotted key).</summary>
    public TomlPosition Position { get; internal set; }

    public TomlTableOrigin Origin { get; internal set; }

    public int Count => _entries.Count;

    public IEnumerable<string> Keys => _entries.Keys;

    public object this[string key] => _entries[key];

    public bool TryGetValue(string key, out object value) => _entries.TryGetValue(key, out value!);

    public TomlPosition PositionOf(string key) => _positions[key];

    internal void Add(string key, object value, TomlPosition position)
    {
        _entries.Add(key, value);
        _positions.Add(key, position);
    }
}
