namespace Toasted.Protocol.Messages;

/// <summary>Asks what the daemon is running and how busy it is.</summary>
public sealed class StatusRequest : RequestFrame
{
    public override string Type => FrameTypes.Status;
}
