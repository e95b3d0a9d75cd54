using Toasted.Daemon.Admission;
using Toasted.Daemon.Inference;
using Toasted.Protocol;
using Toasted.Protocol.Messages;

namespace Toasted.Daemon.Handling;

/// <summary>Answers <c>status</c>: the model, the slot and the queue, right now.</summary>
public sealed class StatusHandler(ModelHost host, InferenceQueue queue)
{
    public StatusFrame Handle(string id)
    {
        var description = host.Model.Description;
        return new StatusFrame
        {
            Id = id,
            State = queue.IsBusy ? "busy" : "idle",
            Version = ProductInfo.Version,
            Model = new ModelStatus
            {
                Path = description.Path,
                Name = description.Name,
                Architecture = description.Architecture,
                ContextLength = description.ContextLength,
                VocabSize = description.VocabSize,
                ParameterCount = description.ParameterCount,
                HasChatTemplate = !string.IsNullOrEmpty(description.ChatTemplate),
            },
            ContextLength = host.Session.ContextLength,
            QueueDepth = queue.WaitingCount,
            QueueCapacity = queue.Capacity,
            UptimeMs = (long)(DateTimeOffset.UtcNow - host.StartedAt).TotalMilliseconds,
        };
    }
}
