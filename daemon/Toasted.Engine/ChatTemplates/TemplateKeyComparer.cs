namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// Mapping keys compare as Python's dict keys do: by value, with 1, 1.0 and True the same key.
/// </summary>
internal sealed class TemplateKeyComparer : IEqualityComparer<object>
{
    public static TemplateKeyComparer Instance { get; } = new();

    public new bool Equals(object? x, object? y) => x is not null && y is not null && TemplateValue.Equals(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        string s => s.GetHashCode(StringComparison.Ordinal),
        bool b => (b ? 1.0 : 0.0).GetHashCode(),
        long l => ((double)l).GetHashCode(),
        double d => d.GetHashCode(),
        _ => 0,
    };
}
