using System.Text.Json.Serialization;
namespace Toasted.Protocol.Admin;

/// <summary>Loading progressed: a phase began (<see cref="Done"/> 0) or another unit of it finished.</summary>
public sealed class LoadingFrame : AdminFrame
{
    [JsonPropertyOrder(-2)] // Attributes on the abstract property do not reach the override.
    public override string Type => AdminFrameTypes.Loading;

    public string Phase { get; set; } = "";
    public int Done { get; set; }
    public int Total { get; set; }
}
