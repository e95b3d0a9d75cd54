using System.Threading.Channels;
using Toasted.Protocol.Admin;

namespace Toasted.Daemon.Admin;

/// <summary>
/// Fans admin events out to every watcher. Publishing never blocks the daemon: each watcher has a
/// bounded backlog, and a watcher that falls <see cref="Backlog"/> events behind is cut off (its
/// subscription completes with <see cref="WatcherTooSlowException"/>) rather than slowing inference.
/// </summary>
public sealed class ActivityFeed
{
    public const int Backlog = 4096;
    private readonly object _gate = new();
    private readonly List<Channel<AdminFrame>> _watchers = [];

    /// <summary>Events published from now on; dispose to stop receiving them.</summary>
    public ActivitySubscription Subscribe()
    {
        var channel = Channel.CreateBounded<AdminFrame>(new BoundedChannelOptions(Backlog)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // Never waited on: TryWrite fails instead.
        });
        lock (_gate) _watchers.Add(channel);
        return new ActivitySubscription(channel.Reader, () => Remove(channel));
    }

    public void Publish(AdminFrame frame)
    {
        lock (_gate)
        {
            for (var index = _watchers.Count - 1; index >= 0; index--)
            {
                var watcher = _watchers[index];
                if (watcher.Writer.TryWrite(frame)) continue;
                watcher.Writer.TryComplete(new WatcherTooSlowException());
                _watchers.RemoveAt(index);
            }
        }
    }

    /// <summary>Ends every subscription once its backlog is read: the daemon is going away.</summary>
    public void CompleteAll()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers) watcher.Writer.TryComplete();
            _watchers.Clear();
        }
    }

    private void Remove(Channel<AdminFrame> channel)
    {
        lock (_gate) _watchers.Remove(channel);
        channel.Writer.TryComplete();
    }
}

/// <summary>One watcher's events, in the order they were published.</summary>
public sealed class ActivitySubscription(ChannelReader<AdminFrame> events, Action unsubscribe) : IDisposable
{
    public ChannelReader<AdminFrame> Events { get; } = events;

    public void Dispose() => unsubscribe();
}

/// <summary>A watcher stopped reading and its backlog filled up.</summary>
public sealed class WatcherTooSlowException()
    : Exception($"the watcher fell {ActivityFeed.Backlog} events behind and was disconnected");
