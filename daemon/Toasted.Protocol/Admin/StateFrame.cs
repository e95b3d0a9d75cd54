namespace Toasted.Protocol.Admin;

/// <summary>The daemon moved to another of <see cref="DaemonStates"/>.</summary>
public sealed class StateFrame : AdminFrame
{
    public override string Type => AdminFrameTypes.State;

    public string State { get; set; } = "";
}
