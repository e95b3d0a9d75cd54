using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>A request failed; <see cref="Code"/> is one of <see cref="ErrorCodes"/>. For
/// <c>context_overflow</c> the three counts say by how much.</summary>
public sealed class ErrorFrame : ResponseFrame
{
    public override string Type => FrameTypes.Error;
    [JsonIgnore]
    public override bool IsFinal => true;

    public string Code { get; set; } = "";
    public string Message { get; set; } = "";
    public int? PromptTokens { get; set; }
    public int? RequestedTokens { get; set; }
    public int? ContextLength { get; set; }
}
