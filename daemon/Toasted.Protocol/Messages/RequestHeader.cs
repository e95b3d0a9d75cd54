namespace Toasted.Protocol.Messages;

/// <summary>The three fields read first from any request, before its type-specific fields, so that a
/// wrong version or unknown type is reported as such rather than as a field error.</summary>
public sealed class RequestHeader
{
    public int? WireVersion { get; set; }
    public string? Id { get; set; }
    public string? Type { get; set; }
}
