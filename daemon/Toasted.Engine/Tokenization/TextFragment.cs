namespace Toasted.Engine.Tokenization;

/// <summary>One piece of the input after special-token partitioning: either a special token id or a
/// run of raw text (<see cref="Start"/>, <see cref="Length"/> in UTF-16 units of the input).</summary>
public readonly record struct TextFragment(int TokenId, int Start, int Length)
{
    public bool IsToken => TokenId != Vocabulary.NoToken;

    public static TextFragment Token(int id) => new(id, 0, 0);
    public static TextFragment Raw(int start, int length) => new(Vocabulary.NoToken, start, length);
}
