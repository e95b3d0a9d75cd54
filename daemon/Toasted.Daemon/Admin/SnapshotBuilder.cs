using Toasted.Daemon.Admission;
using Toasted.Daemon.Hosting;
using Toasted.Daemon.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Admin;

namespace Toasted.Daemon.Admin;

/// <summary>The <c>snapshot</c> frame: the daemon right now. While loading, what only the loaded model
/// can tell (name, backend, threads, context) is left out.</summary>
public sealed class SnapshotBuilder(DaemonSettings settings, DaemonLifecycle lifecycle, ModelHost host, InferenceQueue queue)
{
    public SnapshotFrame Build()
    {
        var snapshot = new SnapshotFrame
        {
            Time = AdminClock.Now(),
            State = lifecycle.State,
            Version = ProductInfo.Version,
            Pid = Environment.ProcessId,
            Model = new AdminModel { Path = Path.GetFullPath(settings.ModelPath) },
            QueueDepth = queue.WaitingCount,
            QueueCapacity = queue.Capacity,
            ActiveRequests = queue.IsBusy ? 1 : 0,
            UptimeMs = (long)(DateTimeOffset.UtcNow - lifecycle.StartedAt).TotalMilliseconds,
            RssBytes = ProcessMemory.ResidentBytes(),
            Loading = lifecycle.Loading,
            Socket = settings.SocketPath,
        };
        if (host.IsLoaded)
        {
            var model = host.Model;
            var description = model.Description;
            snapshot.Model.Name = description.Name;
            snapshot.Model.Architecture = description.Architecture;
            snapshot.Model.TrainedContextLength = description.ContextLength;
            snapshot.Model.ParameterCount = description.ParameterCount;
            snapshot.Backend = model.Backend.Name;
            snapshot.Threads = model.Backend.Threads;
            snapshot.ContextLength = host.Session.ContextLength;
        }
        return snapshot;
    }
}
