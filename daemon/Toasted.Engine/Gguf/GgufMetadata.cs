namespace Toasted.Engine.Gguf;

/// <summary>Typed access to a GGUF file's key-value metadata.</summary>
public sealed class GgufMetadata
{
    private readonly IReadOnlyDictionary<string, GgufValue> _values;

    public GgufMetadata(IReadOnlyDictionary<string, GgufValue> values) => _values = values;

    public IReadOnlyDictionary<string, GgufValue> Values => _values;
    public bool Contains(string key) => _values.ContainsKey(key);
    public bool TryGet(string key, out GgufValue value) => _values.TryGetValue(key, out value!);

    public GgufValue Get(string key) =>
        _values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"GGUF metadata key '{key}' is missing");

    public string GetString(string key) => Get(key).Value as string
        ?? throw new InvalidDataException($"GGUF metadata '{key}' is not a string");

    public string? GetStringOrNull(string key) => TryGet(key, out var v) ? v.Value as string : null;

    public long GetInteger(string key) => Get(key).AsInteger();
    public long GetInteger(string key, long fallback) => TryGet(key, out var v) ? v.AsInteger() : fallback;

    public float GetFloat(string key) => (float)Get(key).AsDouble();
    public float GetFloat(string key, float fallback) => TryGet(key, out var v) ? (float)v.AsDouble() : fallback;

    public bool GetBool(string key, bool fallback) => TryGet(key, out var v) && v.Value is bool b ? b : fallback;

    public GgufArray GetArray(string key) => Get(key).Value as GgufArray
        ?? throw new InvalidDataException($"GGUF metadata '{key}' is not an array");

    public GgufArray? GetArrayOrNull(string key) => TryGet(key, out var v) ? v.Value as GgufArray : null;

    /// <summary>The string form of architecture-scoped keys: "{arch}.context_length".</summary>
    public static string ArchKey(string architecture, string suffix) => $"{architecture}.{suffix}";
}
