using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>A request that cannot be served, with the protocol error code to answer it with.</summary>
public sealed class RequestFailedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
    public int? PromptTokens { get; init; }
    public int? RequestedTokens { get; init; }
    public int? ContextLength { get; init; }

    public ErrorFrame ToFrame(string id) => new()
    {
        Id = id,
        Code = Code,
        Message = Message,
        PromptTokens = PromptTokens,
        RequestedTokens = RequestedTokens,
        ContextLength = ContextLength,
    };
}
