using System.Text;

namespace Toasted.Engine.Evaluation;

/// <summary>The text of a perplexity file, read as llama-perplexity's <c>-f</c> reads it.</summary>
public static class PerplexityText
{
    /// <summary>
    /// The file's bytes as UTF-8 (invalid bytes become U+FFFD, a byte-order mark is kept as text)
    /// with one trailing newline removed: llama.cpp drops it, and the last chunk's tokens depend on it.
    /// </summary>
    public static string Read(string path)
    {
        var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(File.ReadAllBytes(path));
        return text.EndsWith('\n') ? text[..^1] : text;
    }
}
