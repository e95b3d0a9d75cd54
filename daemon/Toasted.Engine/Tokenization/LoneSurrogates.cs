using System.Text;

namespace Toasted.Engine.Tokenization;

/// <summary>
/// llama.cpp sees UTF-8, where a lone UTF-16 surrogate can only arrive as U+FFFD; replacing it before
/// tokenizing keeps merges, pre-token splits and special-token matching identical to that (U+FFFD may
/// itself be a token).
/// </summary>
internal static class LoneSurrogates
{
    public static string Replace(string text) =>
        text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) : text;
}
