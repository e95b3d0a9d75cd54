using System.Text.Json.Serialization;
using Toasted.Protocol.Messages;

namespace Toasted.Protocol.Serialization;

/// <summary>Compile-time JSON metadata for every frame: no reflection, so the NativeAOT client and the
/// daemon share one serializer. Field names are snake_case; absent optional fields are omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(RequestHeader))]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(QueuedFrame))]
[JsonSerializable(typeof(ProgressFrame))]
[JsonSerializable(typeof(TokenFrame))]
[JsonSerializable(typeof(DoneFrame))]
[JsonSerializable(typeof(TokensFrame))]
[JsonSerializable(typeof(StatusFrame))]
[JsonSerializable(typeof(ErrorFrame))]
public sealed partial class WireJsonContext : JsonSerializerContext;
