using System.Text.Json.Serialization;
namespace Toasted.Protocol.Admin;

/// <summary>Something failed: a request answered with an <c>error</c> frame (then <see cref="RequestId"/>
/// and <see cref="Connection"/> are set), or the daemon itself, e.g. the model could not be loaded.</summary>
public sealed class AdminErrorFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.Error;

    /// <summary>One of <see cref="ErrorCodes"/>.</summary>
    public string Code { get; set; } = "";
    public string Message { get; set; } = "";
    public string? RequestId { get; set; }
    public long? Connection { get; set; }
}
