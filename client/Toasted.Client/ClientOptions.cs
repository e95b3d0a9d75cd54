namespace Toasted.Client;

/// <summary>What the command line asked for. Null sampling fields are left to the daemon's defaults.</summary>
public sealed class ClientOptions
{
    public bool ShowHelp { get; set; }
    public bool ShowVersion { get; set; }
    public string? Instruction { get; set; }
    public List<string> Files { get; } = [];
    public string? Model { get; set; }
    public string? System { get; set; }
    public int? MaxTokens { get; set; }
    public float? Temperature { get; set; }
    public int? TopK { get; set; }
    public float? TopP { get; set; }
    public float? MinP { get; set; }
    public float? RepeatPenalty { get; set; }
    public ulong? Seed { get; set; }
    public List<string> Stop { get; } = [];
    public bool Raw { get; set; }
    public bool Json { get; set; }
    public string? SocketPath { get; set; }
    /// <summary>Fail with exit 3 instead of starting the daemon when nothing answers.</summary>
    public bool NoAutostart { get; set; }
}
