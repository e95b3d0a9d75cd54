namespace Toasted.Engine.ChatTemplates;

// Runtime values are plain CLR objects: bool, long, double, string, List<object> (lists and tuples),
// OrderedDictionary<object, object> (mappings), and the few kinds below.

/// <summary>Jinja's <c>none</c>.</summary>
internal sealed class TemplateNone
{
    public static TemplateNone Value { get; } = new();

    private TemplateNone() { }

    public override string ToString() => "None";
}

/// <summary>
/// A name or attribute that does not exist. Like Jinja's default undefined it prints as nothing, is
/// falsy, iterates as empty, and its attributes are undefined too; <see cref="Name"/> is kept for messages.
/// </summary>
internal sealed class TemplateUndefined(string name)
{
    public string Name { get; } = name;

    public override string ToString() => "";
}

/// <summary>The object <c>namespace()</c> returns: the one value whose attributes a template may assign.</summary>
internal sealed class TemplateNamespace
{
    public OrderedDictionary<string, object> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>Positional and keyword argument values of one call.</summary>
internal sealed record TemplateCallArguments(IReadOnlyList<object> Positional, IReadOnlyDictionary<string, object> Keyword)
{
    public static TemplateCallArguments Empty { get; } = new([], new Dictionary<string, object>());

    /// <summary>The argument at <paramref name="position"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object Get(int position, string name, object fallback)
    {
        if (position < Positional.Count) return Positional[position];
        return Keyword.TryGetValue(name, out var value) ? value : fallback;
    }

    public object? GetOrNull(int position, string name) =>
        position < Positional.Count ? Positional[position] : Keyword.GetValueOrDefault(name);
}

/// <summary>A function value: a global such as <c>range</c>, a bound method such as <c>str.split</c>, or a macro.</summary>
internal sealed class TemplateCallable(string name, Func<TemplateCallArguments, object> invoke)
{
    public string Name { get; } = name;

    public object Invoke(TemplateCallArguments arguments) => invoke(arguments);
}
