using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toasted.Conformance.Tests;

/// <summary>Requests written as a third-party client would write them, and questions about responses.</summary>
public static class Frames
{
    public static readonly string[] FinalTypes = ["done", "tokens", "status", "error"];
    public static readonly string[] ErrorCodes =
        ["invalid_request", "frame_too_large", "wire_version_unsupported", "queue_full", "context_overflow", "model_unavailable", "cancelled", "internal"];

    public static string Type(JsonObject frame) => frame["type"]!.GetValue<string>();
    public static string Id(JsonObject frame) => frame["id"]!.GetValue<string>();
    public static bool IsFinal(JsonObject frame) => FinalTypes.Contains(Type(frame));
    public static string? Code(JsonObject frame) => Type(frame) == "error" ? frame["code"]!.GetValue<string>() : null;

    public static string Status(string id) => $"{{\"wire_version\":1,\"id\":{Quote(id)},\"type\":\"status\"}}\n";

    public static string Tokenize(string id, string text) =>
        $"{{\"wire_version\":1,\"id\":{Quote(id)},\"type\":\"tokenize\",\"text\":{Quote(text)}}}\n";

    /// <summary>A greedy raw-prompt generation; <paramref name="extra"/> is more JSON members, e.g. <c>"stream":false</c>.</summary>
    public static string Generate(string id, string prompt, int? maxTokens, string extra = "") =>
        $"{{\"wire_version\":1,\"id\":{Quote(id)},\"type\":\"generate\",\"prompt\":{Quote(prompt)},\"temperature\":0"
        + (maxTokens is { } max ? $",\"max_tokens\":{max}" : "")
        + (extra.Length > 0 ? "," + extra : "") + "}\n";

    public static string Quote(string text) => JsonSerializer.Serialize(text);

    public static string Describe(IEnumerable<JsonObject> frames) => string.Join(" ", frames.Select(frame => frame.ToJsonString()));

    /// <summary>The concatenated text of the token frames.</summary>
    public static string Text(IEnumerable<JsonObject> frames) =>
        string.Concat(frames.Where(frame => Type(frame) == "token").Select(frame => frame["text"]!.GetValue<string>()));
}
