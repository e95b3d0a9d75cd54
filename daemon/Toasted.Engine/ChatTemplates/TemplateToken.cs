namespace Toasted.Engine.ChatTemplates;

internal enum TemplateTokenKind
{
    Text,
    StatementOpen,
    StatementClose,
    ExpressionOpen,
    ExpressionClose,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

/// <summary>One lexical unit; <see cref="Offset"/> points into the normalised source for error positions.</summary>
internal readonly record struct TemplateToken(TemplateTokenKind Kind, string Value, int Offset)
{
    public bool IsOperator(string value) => Kind == TemplateTokenKind.Operator && Value == value;

    public bool IsName(string value) => Kind == TemplateTokenKind.Name && Value == value;

    public override string ToString() => Kind == TemplateTokenKind.End ? "end of template" : $"'{Value}'";
}
