namespace Toasted.Engine.Tokenization;

/// <summary>The values of <c>tokenizer.ggml.token_type</c>, and their mapping to attribute bits.</summary>
public static class GgufTokenType
{
    public const int Undefined = 0;
    public const int Normal = 1;
    public const int Unknown = 2;
    public const int Control = 3;
    public const int UserDefined = 4;
    public const int Unused = 5;
    public const int Byte = 6;

    /// <summary>Any value outside the table is UNDEFINED, as in llama.cpp's loader.</summary>
    public static TokenAttributes ToAttributes(int tokenType) => tokenType switch
    {
        Normal => TokenAttributes.Normal,
        Unknown => TokenAttributes.Unknown,
        Control => TokenAttributes.Control,
        UserDefined => TokenAttributes.UserDefined,
        Unused => TokenAttributes.Unused,
        Byte => TokenAttributes.Byte,
        _ => TokenAttributes.Undefined,
    };
}
