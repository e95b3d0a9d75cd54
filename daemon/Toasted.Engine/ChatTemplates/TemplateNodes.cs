namespace Toasted.Engine.ChatTemplates;

/// <summary>A statement of the template: text, an output, or a block tag with its body.</summary>
internal abstract record TemplateNode(int Offset);

internal sealed record TextNode(string Text, int Offset) : TemplateNode(Offset);

internal sealed record OutputNode(TemplateExpression Value, int Offset) : TemplateNode(Offset);

internal sealed record IfNode(IReadOnlyList<(TemplateExpression Condition, IReadOnlyList<TemplateNode> Body)> Branches, IReadOnlyList<TemplateNode>? ElseBody, int Offset) : TemplateNode(Offset);

internal sealed record ForNode(
    IReadOnlyList<string> Targets,
    TemplateExpression Iterable,
    TemplateExpression? Filter,
    IReadOnlyList<TemplateNode> Body,
    IReadOnlyList<TemplateNode>? ElseBody,
    int Offset) : TemplateNode(Offset);

/// <summary><c>{% set a = … %}</c>, <c>{% set a, b = … %}</c> or <c>{% set ns.attr = … %}</c>.</summary>
internal sealed record SetNode(IReadOnlyList<string> Targets, string? Attribute, TemplateExpression Value, int Offset) : TemplateNode(Offset);

/// <summary><c>{% set name %}…{% endset %}</c>: the rendered body, optionally through filters.</summary>
internal sealed record BlockSetNode(string Target, IReadOnlyList<FilterExpression> Filters, IReadOnlyList<TemplateNode> Body, int Offset) : TemplateNode(Offset);

internal sealed record MacroParameter(string Name, TemplateExpression? Default);

internal sealed record MacroNode(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<TemplateNode> Body, int Offset) : TemplateNode(Offset);

/// <summary><c>{% call(args) macro(…) %}body{% endcall %}</c>: the body becomes the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockNode(CallExpression Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<TemplateNode> Body, int Offset) : TemplateNode(Offset);

/// <summary><c>{% filter name(…) %}body{% endfilter %}</c>: the rendered body through the filters.</summary>
internal sealed record FilterBlockNode(IReadOnlyList<FilterExpression> Filters, IReadOnlyList<TemplateNode> Body, int Offset) : TemplateNode(Offset);

internal sealed record BreakNode(int Offset) : TemplateNode(Offset);

internal sealed record ContinueNode(int Offset) : TemplateNode(Offset);

/// <summary>
/// A block that is rendered as is: <c>{% generation %}</c> (Hugging Face marks the assistant's part with
/// it for training masks; it has no effect on the text).
/// </summary>
internal sealed record PassThroughNode(IReadOnlyList<TemplateNode> Body, int Offset) : TemplateNode(Offset);
