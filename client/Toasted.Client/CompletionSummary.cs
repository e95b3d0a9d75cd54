using System.Text.Json.Serialization;
using Toasted.Protocol.Messages;

namespace Toasted.Client;

/// <summary>The single object <c>toast --json</c> prints.</summary>
public sealed class CompletionSummary
{
    public string Text { get; set; } = "";
    public string StopReason { get; set; } = "";
    public Usage Usage { get; set; } = new();
    public Timings Timings { get; set; } = new();
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CompletionSummary))]
public sealed partial class ClientJsonContext : JsonSerializerContext;
