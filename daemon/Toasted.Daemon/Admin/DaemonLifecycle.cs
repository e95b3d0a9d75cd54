using Toasted.Engine.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Admin;

namespace Toasted.Daemon.Admin;

/// <summary>
/// Where the daemon is in its life (loading → ready → draining) and, while loading, how far: kept for
/// snapshots and published as <c>state</c> and <c>loading</c> events. It is the progress sink the
/// engine reports loading to.
/// </summary>
public sealed class DaemonLifecycle(ActivityFeed feed) : IProgress<ModelLoadProgress>
{
    private readonly object _gate = new();
    private string _state = DaemonStates.Loading;
    private LoadProgress? _loading;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public string State { get { lock (_gate) return _state; } }

    /// <summary>The latest loading progress, or null once loading is over.</summary>
    public LoadProgress? Loading
    {
        get
        {
            lock (_gate) return _loading is null ? null : new LoadProgress { Phase = _loading.Phase, Done = _loading.Done, Total = _loading.Total };
        }
    }

    public void Report(ModelLoadProgress value)
    {
        lock (_gate)
        {
            if (_state != DaemonStates.Loading) return;
            _loading = new LoadProgress { Phase = value.Phase, Done = value.Done, Total = value.Total };
            feed.Publish(new LoadingFrame { Time = AdminClock.Now(), Phase = value.Phase, Done = value.Done, Total = value.Total });
        }
    }

    /// <summary>The main socket listens: requests are served from now on.</summary>
    public void MarkReady() => MoveTo(DaemonStates.Ready, from: DaemonStates.Loading);

    /// <summary>The daemon stops: no new requests.</summary>
    public void MarkDraining() => MoveTo(DaemonStates.Draining, from: null);

    /// <summary>The model could not be loaded; the daemon is about to exit.</summary>
    public void LoadFailed(string message) =>
        feed.Publish(new AdminErrorFrame { Time = AdminClock.Now(), Code = ErrorCodes.ModelUnavailable, Message = message });

    private void MoveTo(string state, string? from)
    {
        lock (_gate)
        {
            if (_state == state || (from is not null && _state != from)) return;
            _state = state;
            _loading = null;
            feed.Publish(new StateFrame { Time = AdminClock.Now(), State = state });
        }
    }
}
