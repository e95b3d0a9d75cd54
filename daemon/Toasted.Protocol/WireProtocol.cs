namespace Toasted.Protocol;

/// <summary>The fixed numbers of wire protocol v1 (docs/protocol.md).</summary>
public static class WireProtocol
{
    /// <summary>The only version this build speaks; a later version gets a new socket.</summary>
    public const int Version = 1;

    /// <summary>Largest frame, newline excluded. Checked while reading, before a frame is held whole.</summary>
    public const int MaxFrameBytes = 64 * 1024 * 1024;
}
