namespace Toasted.Engine.ChatTemplates;

/// <summary>The template text after newline normalisation, able to turn an offset into a line and column.</summary>
internal sealed class TemplateSource(string text)
{
    public string Text { get; } = text;

    public ChatTemplateException Error(string reason, int offset)
    {
        var (line, column) = Position(offset);
        return new ChatTemplateException(reason, line, column);
    }

    public (int Line, int Column) Position(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (Text[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        return (line, offset - lineStart + 1);
    }
}
