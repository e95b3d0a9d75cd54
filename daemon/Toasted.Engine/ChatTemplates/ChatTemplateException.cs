namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// A chat template that cannot be parsed or that fails while rendering (a syntax error, an unknown
/// filter, the template's own <c>raise_exception</c>). Raised instead of producing a prompt that
/// would silently differ from the one the model was trained on.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string reason, int line, int column)
        : base(line > 0 ? $"chat template, line {line}, column {column}: {reason}" : $"chat template: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>What went wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>1-based line of the construct that failed (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>1-based column of the construct that failed (0 when unknown).</summary>
    public int Column { get; }
}
