using System.Threading.Channels;

namespace Toasted.Daemon.Admission;

/// <summary>
/// One inference slot and a bounded first-come-first-served line for it. A request takes a
/// <see cref="QueueTicket"/>, waits for its turn (told its position as it changes), holds the slot
/// while it generates, and gives it back by disposing the ticket — also when it is cancelled while waiting.
/// </summary>
public sealed class InferenceQueue(int capacity)
{
    private readonly object _gate = new();
    private readonly LinkedList<QueueTicket> _waiting = new();
    private QueueTicket? _holder;

    private int _capacity = capacity;

    public int Capacity { get { lock (_gate) return _capacity; } }

    /// <summary>A new limit for the line (a configuration reload); requests already waiting keep their place.</summary>
    public void SetCapacity(int capacity)
    {
        lock (_gate) _capacity = capacity;
    }

    public int WaitingCount { get { lock (_gate) return _waiting.Count; } }

    public bool IsBusy { get { lock (_gate) return _holder is not null; } }

    /// <summary>Raised under the queue's lock after every change of the line or the slot, so observers
    /// see changes in order; handlers must be quick and must not wait.</summary>
    public event Action? Changed;

    /// <summary>A ticket that already holds the slot when it was free, or waits in line. Throws
    /// <see cref="QueueFullException"/> when <see cref="Capacity"/> requests are already waiting.</summary>
    public QueueTicket Enter()
    {
        lock (_gate)
        {
            var ticket = new QueueTicket(this);
            if (_holder is null && _waiting.Count == 0)
            {
                _holder = ticket;
                ticket.Publish(0);
                Changed?.Invoke();
                return ticket;
            }
            if (_waiting.Count >= Capacity) throw new QueueFullException(Capacity);
            ticket.Node = _waiting.AddLast(ticket);
            ticket.Publish(_waiting.Count);
            Changed?.Invoke();
            return ticket;
        }
    }

    /// <summary>Called once per ticket: frees the slot for the next in line, or leaves the line.</summary>
    internal void Leave(QueueTicket ticket)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_holder, ticket))
            {
                _holder = null;
                if (_waiting.First is { } next)
                {
                    _waiting.RemoveFirst();
                    next.Value.Node = null;
                    _holder = next.Value;
                    next.Value.Publish(0);
                }
            }
            else if (ticket.Node is { } node)
            {
                _waiting.Remove(node);
                ticket.Node = null;
            }
            else
            {
                return;
            }
            var position = 1;
            for (var node = _waiting.First; node is not null; node = node.Next)
                node.Value.Publish(position++);
            Changed?.Invoke();
        }
    }
}

/// <summary>One request's place in the <see cref="InferenceQueue"/>. Dispose to give it back.</summary>
public sealed class QueueTicket : IDisposable
{
    private readonly InferenceQueue _queue;
    private readonly Channel<int> _positions = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private int _lastPublished = -1;
    private int _disposed;

    internal QueueTicket(InferenceQueue queue) => _queue = queue;

    internal LinkedListNode<QueueTicket>? Node { get; set; }

    /// <summary>True once the slot is this ticket's.</summary>
    public bool HoldsSlot { get; private set; }

    /// <summary>Called under the queue's lock: position 0 means the slot is granted.</summary>
    internal void Publish(int position)
    {
        if (position == _lastPublished) return;
        _lastPublished = position;
        _positions.Writer.TryWrite(position);
    }

    /// <summary>Waits until the slot is this ticket's. <paramref name="onQueuedAsync"/> hears every
    /// position while waiting (number of requests ahead, 1: next). Cancellation ends the wait with
    /// <see cref="OperationCanceledException"/>; dispose the ticket afterwards to leave the line.</summary>
    public async Task WaitForTurnAsync(Func<int, CancellationToken, Task> onQueuedAsync, CancellationToken cancellationToken)
    {
        while (!HoldsSlot)
        {
            var position = await _positions.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (position == 0)
            {
                HoldsSlot = true;
                return;
            }
            // Only the latest position matters when several arrived together.
            while (_positions.Reader.TryPeek(out var newer) && newer != 0)
                position = _positions.Reader.TryRead(out newer) ? newer : position;
            if (_positions.Reader.TryPeek(out var granted) && granted == 0) continue;
            await onQueuedAsync(position, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _queue.Leave(this);
    }
}
