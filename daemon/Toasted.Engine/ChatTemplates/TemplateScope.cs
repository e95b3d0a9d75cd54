namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// Variables visible at one point of a render. A for-loop body and a macro call get a child scope,
/// so a plain <c>set</c> inside them does not leak out (that is what <c>namespace()</c> is for).
/// </summary>
internal sealed class TemplateScope(TemplateScope? parent)
{
    private readonly Dictionary<string, object> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
            if (scope._variables.TryGetValue(name, out value!)) return true;
        value = null!;
        return false;
    }

    public TemplateScope? Parent { get; } = parent;

    public void Set(string name, object value) => _variables[name] = value;
}
