namespace Toasted.Engine.ChatTemplates;

/// <summary>
/// A failure inside a value operation, raised without a position; the evaluator turns it into a
/// <see cref="ChatTemplateException"/> at the innermost expression it was evaluating.
/// </summary>
internal sealed class TemplateRuntimeException(string message) : Exception(message);
