using System.Text.Json.Serialization;

namespace Toasted.Protocol.Messages;

/// <summary>The request waits for the inference slot; <see cref="Position"/> requests are ahead of it
/// (1: it runs next). Sent again whenever the position changes.</summary>
public sealed class QueuedFrame : ResponseFrame
{
    public override string Type => FrameTypes.Queued;
    [JsonIgnore]
    public override bool IsFinal => false;

    public int Position { get; set; }
}
