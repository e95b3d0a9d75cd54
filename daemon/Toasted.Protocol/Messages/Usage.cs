namespace Toasted.Protocol.Messages;

/// <summary>Token counts of one generation.</summary>
public sealed class Usage
{
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
}
