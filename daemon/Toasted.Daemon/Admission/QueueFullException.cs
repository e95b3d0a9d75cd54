namespace Toasted.Daemon.Admission;

/// <summary>The waiting line is at capacity; the request is refused at once rather than held.</summary>
public sealed class QueueFullException(int capacity)
    : Exception($"the queue is full ({capacity} requests waiting); try again later")
{
    public int Capacity { get; } = capacity;
}
