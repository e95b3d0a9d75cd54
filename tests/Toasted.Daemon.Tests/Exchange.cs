using System.Diagnostics;
using System.Text;
using Toasted.Protocol.Client;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Tests;

/// <summary>Every frame one request got, with the moment each arrived, and what they add up to.</summary>
public sealed class Exchange
{
    public List<(ResponseFrame Frame, long ArrivedAt)> Frames { get; } = [];

    public string Text => string.Concat(Frames.Select(entry => entry.Frame).OfType<TokenFrame>().Select(token => token.Text));
    public ResponseFrame? Final => Frames.Count > 0 && Frames[^1].Frame.IsFinal ? Frames[^1].Frame : null;
    public DoneFrame Done => Final as DoneFrame ?? throw new InvalidOperationException("no done frame: " + Describe());
    public ErrorFrame Error => Final as ErrorFrame ?? throw new InvalidOperationException("no error frame: " + Describe());
    public IEnumerable<long> TokenArrivals => Frames.Where(entry => entry.Frame is TokenFrame).Select(entry => entry.ArrivedAt);

    /// <summary>Sends <paramref name="request"/> and reads until its final frame (or the connection ends).</summary>
    public static async Task<Exchange> RunAsync(ToastedConnection connection, RequestFrame request,
        Func<ResponseFrame, Task>? onFrame = null, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        var exchange = new Exchange();
        await connection.SendAsync(request, limit.Token);
        await foreach (var frame in connection.ReadResponsesAsync(limit.Token))
        {
            exchange.Frames.Add((frame, Stopwatch.GetTimestamp()));
            if (onFrame is not null) await onFrame(frame);
        }
        return exchange;
    }

    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var (frame, _) in Frames)
        {
            text.Append(frame switch
            {
                TokenFrame token => $"token \"{token.Text}\" ",
                ErrorFrame error => $"error {error.Code}: {error.Message} ",
                DoneFrame done => $"done {done.StopReason} ",
                QueuedFrame queued => $"queued {queued.Position} ",
                _ => frame.Type + " ",
            });
        }
        return text.ToString();
    }
}
