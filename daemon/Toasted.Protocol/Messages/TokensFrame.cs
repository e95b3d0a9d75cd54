namespace Toasted.Protocol.Messages;

/// <summary>The answer to <c>tokenize</c>.</summary>
public sealed class TokensFrame : ResponseFrame
{
    public override string Type => FrameTypes.Tokens;
    public override bool IsFinal => true;

    public int[] Tokens { get; set; } = [];
}
