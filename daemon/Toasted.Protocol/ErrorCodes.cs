namespace Toasted.Protocol;

/// <summary>The closed set of error codes an <c>error</c> frame may carry.</summary>
public static class ErrorCodes
{
    public const string InvalidRequest = "invalid_request";
    public const string FrameTooLarge = "frame_too_large";
    public const string WireVersionUnsupported = "wire_version_unsupported";
    public const string QueueFull = "queue_full";
    public const string ContextOverflow = "context_overflow";
    public const string ModelUnavailable = "model_unavailable";
    public const string Cancelled = "cancelled";
    public const string Internal = "internal";

    public static IReadOnlyList<string> All { get; } =
        [InvalidRequest, FrameTooLarge, WireVersionUnsupported, QueueFull, ContextOverflow, ModelUnavailable, Cancelled, Internal];
}
