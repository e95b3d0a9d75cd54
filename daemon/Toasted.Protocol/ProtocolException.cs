namespace Toasted.Protocol;

/// <summary>A frame that breaks the protocol; <see cref="Code"/> is one of <see cref="ErrorCodes"/>.
/// <see cref="RequestId"/> is the offending request's id when it could be read.</summary>
public sealed class ProtocolException(string code, string message, string? requestId = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? RequestId { get; } = requestId;
}
