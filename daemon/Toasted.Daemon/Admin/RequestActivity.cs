using System.Collections.Concurrent;
using Toasted.Daemon.Transport;
using Toasted.Protocol.Admin;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Admin;

/// <summary>
/// Publishes what requests do: <c>request_started</c> when a generate request is admitted,
/// <c>request_finished</c> when an admitted one ends, and <c>error</c> for every request answered
/// with an error frame. Requests are told apart by connection number and id, since ids are the clients'.
/// </summary>
public sealed class RequestActivity(ActivityFeed feed)
{
    private readonly ConcurrentDictionary<(long Connection, string Id), int> _admitted = new();

    /// <summary>A generate request entered the queue with <paramref name="promptTokens"/> tokens of prompt.</summary>
    public void Started(GenerateRequest request, int promptTokens)
    {
        var peer = ConnectionPeer.Current;
        var connection = peer?.Connection ?? 0;
        _admitted[(connection, request.Id)] = promptTokens;
        feed.Publish(new RequestStartedFrame
        {
            Time = AdminClock.Now(),
            RequestId = request.Id,
            Connection = connection,
            ClientPid = peer?.ProcessId,
            ClientUid = peer?.UserId,
            PromptTokens = promptTokens,
            MaxTokens = request.MaxTokens,
        });
    }

    /// <summary>A request got its final frame.</summary>
    public void Ended(RequestFrame request, ResponseFrame final)
    {
        var connection = ConnectionPeer.Current?.Connection ?? 0;
        if (final is ErrorFrame error)
        {
            feed.Publish(new AdminErrorFrame
            {
                Time = AdminClock.Now(),
                Code = error.Code,
                Message = error.Message,
                RequestId = request.Id,
                Connection = connection,
            });
        }
        if (!_admitted.TryRemove((connection, request.Id), out var promptTokens)) return;
        var done = final as DoneFrame;
        feed.Publish(new RequestFinishedFrame
        {
            Time = AdminClock.Now(),
            RequestId = request.Id,
            Connection = connection,
            StopReason = done?.StopReason,
            ErrorCode = (final as ErrorFrame)?.Code,
            Usage = done?.Usage ?? new Usage { PromptTokens = promptTokens },
            Timings = done?.Timings ?? new Timings(),
        });
    }
}
