namespace Toasted.Protocol;

/// <summary>Values of the <c>type</c> discriminator every frame carries.</summary>
public static class FrameTypes
{
    // Requests (client → daemon).
    public const string Generate = "generate";
    public const string Tokenize = "tokenize";
    public const string Status = "status";

    // Responses (daemon → client).
    public const string Queued = "queued";
    public const string Progress = "progress";
    public const string Token = "token";
    public const string Done = "done";
    public const string Tokens = "tokens";
    public const string Error = "error";
}
