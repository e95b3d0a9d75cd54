namespace Toasted.Engine.Tokenization;

/// <summary>
/// Per-token attribute bits with the same values as llama.cpp's <c>llama_token_attr</c>. A token can carry
/// several (a NORMAL token whose text looks like an end-of-turn marker also gets CONTROL), which is why
/// this is a flag set rather than the GGUF token type itself.
/// </summary>
[Flags]
public enum TokenAttributes
{
    Undefined = 0,
    Unknown = 1 << 0,
    Unused = 1 << 1,
    Normal = 1 << 2,
    Control = 1 << 3,
    UserDefined = 1 << 4,
    Byte = 1 << 5,
    Normalized = 1 << 6,
    /// <summary>Whitespace before a matched special token is dropped from the text.</summary>
    LeftStrip = 1 << 7,
    /// <summary>Whitespace after a matched special token is dropped from the text.</summary>
    RightStrip = 1 << 8,
    SingleWord = 1 << 9,
}
