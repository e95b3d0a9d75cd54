using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Toasted.Daemon.Admin;
using Toasted.Daemon.Admission;
using Toasted.Daemon.Transport;
using Toasted.Engine.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>
/// Routes a decoded request to its handler and turns every way it can end into exactly one final
/// frame: the handler's answer, a typed error, <c>cancelled</c>, or <c>internal</c> for bugs.
/// </summary>
public sealed partial class RequestDispatcher(
    StatusHandler status,
    TokenizeHandler tokenize,
    GenerateHandler generate,
    RequestActivity activity,
    ILogger<RequestDispatcher> logger) : IRequestHandler
{
    public async Task HandleAsync(RequestFrame request, IResponseSink sink, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope("request {RequestId}", request.Id);
        var started = Stopwatch.GetTimestamp();
        ResponseFrame final;
        try
        {
            final = request switch
            {
                StatusRequest => status.Handle(request.Id),
                TokenizeRequest tokenizeRequest => tokenize.Handle(tokenizeRequest),
                GenerateRequest generateRequest => await generate.HandleAsync(generateRequest, sink, cancellationToken).ConfigureAwait(false),
                _ => throw new RequestFailedException(ErrorCodes.InvalidRequest, $"unsupported request type {request.Type}"),
            };
        }
        catch (RequestFailedException failure)
        {
            final = failure.ToFrame(request.Id);
        }
        catch (QueueFullException full)
        {
            final = new ErrorFrame { Id = request.Id, Code = ErrorCodes.QueueFull, Message = full.Message };
        }
        catch (ContextOverflowException overflow)
        {
            final = new ErrorFrame
            {
                Id = request.Id,
                Code = ErrorCodes.ContextOverflow,
                Message = overflow.Message,
                PromptTokens = overflow.PromptTokens,
                RequestedTokens = overflow.RequestedTokens,
                ContextLength = overflow.ContextLength,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            final = new ErrorFrame { Id = request.Id, Code = ErrorCodes.Cancelled, Message = "the request was cancelled" };
        }
        catch (Exception exception)
        {
            LogInternalError(exception, request.Type);
            final = new ErrorFrame { Id = request.Id, Code = ErrorCodes.Internal, Message = $"{exception.GetType().Name}: {exception.Message}" };
        }

        activity.Ended(request, final);
        LogFinished(request.Type, final is ErrorFrame error ? error.Code : final.Type, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await sink.SendAsync(final, CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{RequestType} ended with {Outcome} after {Milliseconds:F1} ms")]
    private partial void LogFinished(string requestType, string outcome, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{RequestType} failed inside the daemon")]
    private partial void LogInternalError(Exception exception, string requestType);
}
