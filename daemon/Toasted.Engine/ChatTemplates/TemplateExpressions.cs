namespace Toasted.Engine.ChatTemplates;

/// <summary>An expression of the template language; <see cref="Offset"/> locates it for error messages.</summary>
internal abstract record TemplateExpression(int Offset);

internal sealed record LiteralExpression(object Value, int Offset) : TemplateExpression(Offset);

internal sealed record ListExpression(IReadOnlyList<TemplateExpression> Items, int Offset) : TemplateExpression(Offset);

/// <summary>A parenthesised tuple; evaluated as a list (tuples are only read, never mutated).</summary>
internal sealed record TupleExpression(IReadOnlyList<TemplateExpression> Items, int Offset) : TemplateExpression(Offset);

internal sealed record DictExpression(IReadOnlyList<(TemplateExpression Key, TemplateExpression Value)> Entries, int Offset) : TemplateExpression(Offset);

internal sealed record NameExpression(string Name, int Offset) : TemplateExpression(Offset);

internal sealed record AttributeExpression(TemplateExpression Target, string Name, int Offset) : TemplateExpression(Offset);

internal sealed record SubscriptExpression(TemplateExpression Target, TemplateExpression Index, int Offset) : TemplateExpression(Offset);

internal sealed record SliceExpression(TemplateExpression Target, TemplateExpression? Start, TemplateExpression? Stop, TemplateExpression? Step, int Offset) : TemplateExpression(Offset);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record TemplateArguments(IReadOnlyList<TemplateExpression> Positional, IReadOnlyList<(string Name, TemplateExpression Value)> Keyword)
{
    public static TemplateArguments None { get; } = new([], []);
}

internal sealed record CallExpression(TemplateExpression Callee, TemplateArguments Arguments, int Offset) : TemplateExpression(Offset);

internal sealed record FilterExpression(TemplateExpression Value, string Filter, TemplateArguments Arguments, int Offset) : TemplateExpression(Offset);

internal sealed record TestExpression(TemplateExpression Value, string Test, TemplateArguments Arguments, bool Negated, int Offset) : TemplateExpression(Offset);

internal sealed record UnaryExpression(string Operator, TemplateExpression Operand, int Offset) : TemplateExpression(Offset);

internal sealed record BinaryExpression(string Operator, TemplateExpression Left, TemplateExpression Right, int Offset) : TemplateExpression(Offset);

internal sealed record ConditionalExpression(TemplateExpression Condition, TemplateExpression WhenTrue, TemplateExpression? WhenFalse, int Offset) : TemplateExpression(Offset);
