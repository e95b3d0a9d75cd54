namespace Toasted.Engine.Tokenization;

/// <summary>How the text of a NORMAL token stands for the bytes it decodes to.</summary>
public enum TokenTextEncoding
{
    /// <summary>UTF-8 text with U+2581 (▁) for each space: SentencePiece and WordPiece vocabularies.</summary>
    EscapedSpaces,

    /// <summary>One character of GPT-2's byte-level alphabet per byte (<see cref="ByteLevelAlphabet"/>).</summary>
    ByteLevel,
}
