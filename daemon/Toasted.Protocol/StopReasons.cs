namespace Toasted.Protocol;

/// <summary>Values of <c>done.stop_reason</c>. A cancelled request ends with an error frame instead.</summary>
public static class StopReasons
{
    public const string End = "end";
    public const string MaxTokens = "max_tokens";
    public const string Stop = "stop";
    public const string ContextFull = "context_full";
}
