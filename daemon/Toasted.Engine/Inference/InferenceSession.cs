namespace Toasted.Engine.Inference;

/// <summary>
/// One sequence's generation state: the KV cache and the tokens it holds. Not thread-safe; a daemon
/// keeps one per active slot. A new prompt that shares a prefix with the cached tokens reuses it.
/// </summary>
public sealed partial class InferenceSession : IDisposable
{
    public int ContextLength { get; }

    /// <summary>
    /// Runs the prompt, then samples until a stop condition, calling <paramref name="onText"/> with each
    /// complete piece of UTF-8 text as it is produced. Throws <see cref="ContextOverflowException"/> before
    /// any compute when the prompt (plus an explicit MaxTokens) does not fit; cancellation ends with
    /// <see cref="StopReason.Cancelled"/> rather than an exception.
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions options, Action<string> onText, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public void Dispose() { }
}
