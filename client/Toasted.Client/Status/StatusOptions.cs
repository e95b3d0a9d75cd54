namespace Toasted.Client.Status;

/// <summary>What <c>toast status</c> was asked for.</summary>
public sealed class StatusOptions
{
    public bool ShowHelp { get; set; }
    public bool Json { get; set; }
    public bool Watch { get; set; }
    public string? SocketPath { get; set; }
}
