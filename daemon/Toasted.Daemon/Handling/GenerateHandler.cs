using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Toasted.Daemon.Admin;
using Toasted.Daemon.Admission;
using Toasted.Daemon.Inference;
using Toasted.Daemon.Transport;
using Toasted.Engine.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>
/// Serves <c>generate</c>: checks and tokenizes before queueing (a request that cannot fit is refused
/// without waiting), waits for the inference slot telling the client its position, then runs the
/// engine on its own thread while this task streams the text pieces to the client as frames.
/// </summary>
public sealed partial class GenerateHandler(ModelHost host, InferenceQueue queue, RequestActivity activity, ILogger<GenerateHandler> logger)
{
    public async Task<ResponseFrame> HandleAsync(GenerateRequest request, IResponseSink sink, CancellationToken cancellationToken)
    {
        var received = Stopwatch.GetTimestamp();
        var options = GenerationParameters.ToOptions(request);
        ModelSelection.EnsureServed(request.Model, host);
        var prompt = PromptTokens.For(request, host.Model);
        var contextLength = host.Session.ContextLength;
        // Before queueing and before any compute: the prompt must leave room for one token, or for max_tokens.
        if (prompt.Length + Math.Max(1, options.MaxTokens) > contextLength)
            throw new RequestFailedException(ErrorCodes.ContextOverflow,
                $"prompt of {prompt.Length} tokens" + (options.MaxTokens > 0 ? $" plus {options.MaxTokens} requested tokens" : "")
                + $" does not fit the context of {contextLength} tokens")
            {
                PromptTokens = prompt.Length,
                RequestedTokens = options.MaxTokens,
                ContextLength = contextLength,
            };

        using var ticket = queue.Enter();
        activity.Started(request, prompt.Length);
        await ticket.WaitForTurnAsync(
            (position, token) =>
            {
                LogQueued(position);
                return sink.SendAsync(new QueuedFrame { Id = request.Id, Position = position }, token);
            },
            cancellationToken).ConfigureAwait(false);
        var queuedMs = Stopwatch.GetElapsedTime(received).TotalMilliseconds;
        LogStarted(prompt.Length, options.MaxTokens, options.Sampling.Temperature);

        // Frames travel from the engine thread to this task in order, so progress precedes the text.
        var frames = Channel.CreateUnbounded<ResponseFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reportsProgress = prompt.Length > InferenceSession.MaxBatch;
        long cancelledAt = 0;
        using var cancellationObserved = cancellationToken.Register(() => Interlocked.CompareExchange(ref cancelledAt, Stopwatch.GetTimestamp(), 0));
        // The engine computes synchronously; it gets a thread of its own so no pool thread is held for minutes.
        var generation = Task.Factory.StartNew(() =>
        {
            try
            {
                return host.Session.Generate(prompt, options,
                    piece => frames.Writer.TryWrite(new TokenFrame { Id = request.Id, Text = piece }),
                    reportsProgress ? (done, total) => frames.Writer.TryWrite(new ProgressFrame { Id = request.Id, Done = done, Total = total }) : null,
                    cancellationToken);
            }
            finally
            {
                frames.Writer.TryComplete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var collected = request.Stream ?? true ? null : new StringBuilder();
        var streaming = ForwardFramesAsync(frames.Reader, sink, collected);
        GenerationResult result;
        try
        {
            result = await generation.ConfigureAwait(false);
        }
        finally
        {
            // The slot is free as soon as compute ends; a slow reader only delays its own frames.
            ticket.Dispose();
        }
        if (result.StopReason == StopReason.Cancelled)
        {
            var latency = Stopwatch.GetElapsedTime(Interlocked.Read(ref cancelledAt)).TotalMilliseconds;
            var phase = result.PrefilledTokens < result.PromptTokens ? "prefill" : "decode";
            LogCancelled(phase, result.PrefilledTokens, result.PromptTokens, result.CompletionTokens, latency);
        }
        await streaming.ConfigureAwait(false);

        if (result.StopReason == StopReason.Cancelled)
            throw new OperationCanceledException("the request was cancelled", cancellationToken);
        if (collected is { Length: > 0 })
            await sink.SendAsync(new TokenFrame { Id = request.Id, Text = collected.ToString() }, CancellationToken.None).ConfigureAwait(false);

        return new DoneFrame
        {
            Id = request.Id,
            StopReason = WireStopReason(result.StopReason),
            Usage = new Usage { PromptTokens = result.PromptTokens, CompletionTokens = result.CompletionTokens },
            Timings = new Timings
            {
                QueuedMs = queuedMs,
                PrefillMs = result.PrefillMilliseconds,
                DecodeMs = result.DecodeMilliseconds,
                TotalMs = Stopwatch.GetElapsedTime(received).TotalMilliseconds,
                DecodeTokensPerSecond = result.DecodeMilliseconds > 0 ? result.CompletionTokens * 1000.0 / result.DecodeMilliseconds : 0,
            },
        };
    }

    /// <summary>Sends each frame as it comes, or collects the text when the client asked not to stream.</summary>
    private static async Task ForwardFramesAsync(ChannelReader<ResponseFrame> frames, IResponseSink sink, StringBuilder? collected)
    {
        await foreach (var frame in frames.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (frame is TokenFrame token)
            {
                if (token.Text.Length == 0) continue;
                if (collected is not null)
                {
                    collected.Append(token.Text);
                    continue;
                }
            }
            await sink.SendAsync(frame, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string WireStopReason(StopReason reason) => reason switch
    {
        StopReason.End => StopReasons.End,
        StopReason.MaxTokens => StopReasons.MaxTokens,
        StopReason.Stop => StopReasons.Stop,
        StopReason.ContextFull => StopReasons.ContextFull,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "no wire stop reason"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "cancelled during {Phase} at {Prefilled}/{PromptTokens} prompt tokens and {Generated} generated; compute stopped {LatencyMs:F1} ms after the cancellation")]
    private partial void LogCancelled(string phase, int prefilled, int promptTokens, int generated, double latencyMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "queued at position {Position}")]
    private partial void LogQueued(int position);

    [LoggerMessage(Level = LogLevel.Information, Message = "generating: {PromptTokens} prompt tokens, max_tokens {MaxTokens}, temperature {Temperature}")]
    private partial void LogStarted(int promptTokens, int maxTokens, float temperature);
}
