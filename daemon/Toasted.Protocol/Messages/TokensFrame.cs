using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>The answer to <c>tokenize</c>.</summary>
public sealed class TokensFrame : ResponseFrame
{
    public override string Type => FrameTypes.Tokens;
    [JsonIgnore]
    public override bool IsFinal => true;

    public int[] Tokens { get; set; } = [];
}
