using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>A piece of generated text: always whole UTF-8 characters.</summary>
public sealed class TokenFrame : ResponseFrame
{
    public override string Type => FrameTypes.Token;
    [JsonIgnore]
    public override bool IsFinal => false;

    public string Text { get; set; } = "";
}
