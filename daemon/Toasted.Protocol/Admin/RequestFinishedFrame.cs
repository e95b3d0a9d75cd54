using System.Text.Json.Serialization;
using Toasted.Protocol.Messages;

namespace Toasted.Protocol.Admin;

/// <summary>An admitted generate request ended: with <see cref="StopReason"/> after a <c>done</c>, or with
/// <see cref="ErrorCode"/> after an <c>error</c> (then usage and timings are what was known).</summary>
public sealed class RequestFinishedFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.RequestFinished;

    public string RequestId { get; set; } = "";
    public long Connection { get; set; }
    /// <summary>One of <see cref="StopReasons"/>, or null when the request ended with an error.</summary>
    public string? StopReason { get; set; }
    /// <summary>One of <see cref="ErrorCodes"/>, or null when the request ended with done.</summary>
    public string? ErrorCode { get; set; }
    public Usage Usage { get; set; } = new();
    public Timings Timings { get; set; } = new();
}
