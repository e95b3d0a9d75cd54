namespace Toasted.Engine.Gguf;

/// <summary>
/// The one error a malformed, truncated or hostile GGUF file raises: it names the file, the field
/// being read and the byte offset where reading failed, so a user can tell a bad download from a bug.
/// </summary>
public sealed class GgufFormatException : Exception
{
    public GgufFormatException(string file, string field, long offset, string reason)
        : base($"{file}: invalid GGUF at byte {offset} ({field}): {reason}")
    {
        File = file;
        Field = field;
        Offset = offset;
        Reason = reason;
    }

    public string File { get; }
    public string Field { get; }
    public long Offset { get; }
    public string Reason { get; }
}
