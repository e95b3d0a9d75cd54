using System.Text.Json.Serialization;
using Toasted.Protocol.Messages;

namespace Toasted.Protocol.Admin;

/// <summary>Compile-time JSON metadata for the admin socket's frames, with the main protocol's options
/// (snake_case, absent optional fields omitted), so the NativeAOT client reads them without reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(RequestHeader))]
[JsonSerializable(typeof(SnapshotFrame))]
[JsonSerializable(typeof(StateFrame))]
[JsonSerializable(typeof(LoadingFrame))]
[JsonSerializable(typeof(RequestStartedFrame))]
[JsonSerializable(typeof(RequestFinishedFrame))]
[JsonSerializable(typeof(QueueFrame))]
[JsonSerializable(typeof(AdminErrorFrame))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
