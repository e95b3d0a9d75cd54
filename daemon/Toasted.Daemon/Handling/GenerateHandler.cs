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
        if (prompt.Length + options.MaxTokens > contextLength)
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

        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // The engine computes synchronously; it gets a thread of its own so no pool thread is held for minutes.
        var generation = Task.Factory.StartNew(() =>
        {
            try
            {
                return host.Session.Generate(prompt, options, piece => pieces.Writer.TryWrite(piece), cancellationToken);
            }
            finally
            {
                pieces.Writer.TryComplete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var collected = request.Stream ?? true ? null : new StringBuilder();
        var streaming = ForwardPiecesAsync(pieces.Reader, request.Id, sink, collected);
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

    /// <summary>Sends each piece as a token frame, or collects them when the client asked not to stream.</summary>
    private static async Task ForwardPiecesAsync(ChannelReader<string> pieces, string id, IResponseSink sink, StringBuilder? collected)
    {
        await foreach (var piece in pieces.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (piece.Length == 0) continue;
            if (collected is not null) collected.Append(piece);
            else await sink.SendAsync(new TokenFrame { Id = id, Text = piece }, CancellationToken.None).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "queued at position {Position}")]
    private partial void LogQueued(int position);

    [LoggerMessage(Level = LogLevel.Information, Message = "generating: {PromptTokens} prompt tokens, max_tokens {MaxTokens}, temperature {Temperature}")]
    private partial void LogStarted(int promptTokens, int maxTokens, float temperature);
}
