namespace Toasted.Protocol.Messages;

/// <summary>Token ids of <see cref="Text"/> in the loaded model's vocabulary.</summary>
public sealed class TokenizeRequest : RequestFrame
{
    public override string Type => FrameTypes.Tokenize;

    public string? Model { get; set; }
    public string? Text { get; set; }
    public bool? AddSpecial { get; set; }
    public bool? ParseSpecial { get; set; }
}
