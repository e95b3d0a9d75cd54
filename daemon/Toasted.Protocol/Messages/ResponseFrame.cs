using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>What every response carries: the request's id and the frame type.</summary>
public abstract class ResponseFrame
{
    [JsonPropertyOrder(-2)]
    public string Id { get; set; } = "";

    [JsonPropertyOrder(-1)]
    public abstract string Type { get; }

    /// <summary>True for the frames that end a request (<c>done</c>, <c>tokens</c>, <c>status</c>, <c>error</c>).</summary>
    [JsonIgnore]
    public abstract bool IsFinal { get; }
}
