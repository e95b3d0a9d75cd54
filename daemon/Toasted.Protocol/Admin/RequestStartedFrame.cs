using System.Text.Json.Serialization;
namespace Toasted.Protocol.Admin;

/// <summary>A generate request was admitted: checked, tokenized and queued (or given the slot at once).</summary>
public sealed class RequestStartedFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.RequestStarted;

    /// <summary>The request's own id, as its client chose it.</summary>
    public string RequestId { get; set; } = "";
    /// <summary>The daemon's number for the connection; with <see cref="RequestId"/> it names the request uniquely.</summary>
    public long Connection { get; set; }
    /// <summary>The client process, from the kernel's peer credentials; null where the platform does not say.</summary>
    public int? ClientPid { get; set; }
    public uint? ClientUid { get; set; }
    public int PromptTokens { get; set; }
    /// <summary>The request's max_tokens, null when absent.</summary>
    public int? MaxTokens { get; set; }
}
