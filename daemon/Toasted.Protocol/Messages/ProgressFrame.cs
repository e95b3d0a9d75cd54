using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>How far a long phase of a request has come: for <c>prefill</c>, <see cref="Done"/> of the
/// <see cref="Total"/> prompt tokens are in the model's cache (a reused cached prefix counts as done).</summary>
public sealed class ProgressFrame : ResponseFrame
{
    public override string Type => FrameTypes.Progress;
    [JsonIgnore]
    public override bool IsFinal => false;

    /// <summary>One of <see cref="ProgressPhases"/>.</summary>
    public string Phase { get; set; } = ProgressPhases.Prefill;
    public int Done { get; set; }
    public int Total { get; set; }
}
