namespace Toasted.Protocol.Messages;

/// <summary>Wall-clock milliseconds of one generation's phases, measured in the daemon.</summary>
public sealed class Timings
{
    /// <summary>Time spent waiting for the inference slot.</summary>
    public double QueuedMs { get; set; }
    public double PrefillMs { get; set; }
    public double DecodeMs { get; set; }
    /// <summary>From the request frame's arrival to the <c>done</c> frame.</summary>
    public double TotalMs { get; set; }
    public double DecodeTokensPerSecond { get; set; }
}
