using Toasted.Daemon.Admission;
using Toasted.Protocol.Admin;

namespace Toasted.Daemon.Admin;

/// <summary>Publishes a <c>queue</c> event whenever the queue's depth or the busy slots change.</summary>
public sealed class QueueActivity
{
    private readonly InferenceQueue _queue;
    private readonly ActivityFeed _feed;
    private readonly object _gate = new();
    private (int Depth, int Active) _last;

    public QueueActivity(InferenceQueue queue, ActivityFeed feed)
    {
        _queue = queue;
        _feed = feed;
        queue.Changed += OnChanged;
    }

    private void OnChanged()
    {
        var current = (Depth: _queue.WaitingCount, Active: _queue.IsBusy ? 1 : 0);
        lock (_gate)
        {
            if (current == _last) return;
            _last = current;
            _feed.Publish(new QueueFrame { Time = AdminClock.Now(), Depth = current.Depth, Capacity = _queue.Capacity, ActiveRequests = current.Active });
        }
    }
}
