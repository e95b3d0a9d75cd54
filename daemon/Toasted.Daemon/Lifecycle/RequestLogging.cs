using Microsoft.Extensions.Logging;
using Toasted.Daemon.Transport;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Lifecycle;

/// <summary>
/// One log line per finished generation with what it cost: prompt and completion tokens, time queued,
/// in prefill and in decode. It wraps the request handler and watches the frames going out, so the
/// handlers stay free of accounting; the client's pid and uid come from the connection's log scope.
/// </summary>
public sealed partial class RequestLogging(IRequestHandler inner, ILogger<RequestLogging> logger) : IRequestHandler
{
    public Task HandleAsync(RequestFrame request, IResponseSink sink, CancellationToken cancellationToken) =>
        inner.HandleAsync(request, new WatchingSink(sink, this), cancellationToken);

    private void Finished(DoneFrame done) =>
        LogGenerated(done.Id, done.StopReason, done.Usage.PromptTokens, done.Usage.CompletionTokens,
            done.Timings.QueuedMs, done.Timings.PrefillMs, done.Timings.DecodeMs, done.Timings.TotalMs, done.Timings.DecodeTokensPerSecond);

    private sealed class WatchingSink(IResponseSink sink, RequestLogging owner) : IResponseSink
    {
        public Task SendAsync(ResponseFrame frame, CancellationToken cancellationToken)
        {
            if (frame is DoneFrame done) owner.Finished(done);
            return sink.SendAsync(frame, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "request {RequestId} done ({StopReason}): {PromptTokens} prompt tokens, "
        + "{CompletionTokens} completion tokens; queued {QueuedMs:F1} ms, prefill {PrefillMs:F1} ms, decode {DecodeMs:F1} ms, "
        + "total {TotalMs:F1} ms, {DecodeTokensPerSecond:F1} tokens/s")]
    private partial void LogGenerated(string requestId, string stopReason, int promptTokens, int completionTokens,
        double queuedMs, double prefillMs, double decodeMs, double totalMs, double decodeTokensPerSecond);
}
