using NUnit.Framework;
using Toasted.Daemon.Admission;

namespace Toasted.Daemon.Tests;

public class InferenceQueueTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    [Test]
    public async Task A_free_slot_is_granted_at_once_without_a_queued_position()
    {
        var queue = new InferenceQueue(capacity: 4);
        using var ticket = queue.Enter();
        var positions = new List<int>();
        await ticket.WaitForTurnAsync(Record(positions), CancellationToken.None).WaitAsync(Limit);
        Assert.That(positions, Is.Empty);
        Assert.That(queue.IsBusy, Is.True);
    }

    [Test]
    public async Task Waiters_are_served_first_come_first_served_and_told_their_position()
    {
        var queue = new InferenceQueue(capacity: 4);
        var first = queue.Enter();
        await first.WaitForTurnAsync(Record([]), CancellationToken.None);
        var second = queue.Enter();
        var third = queue.Enter();
        List<int> secondPositions = [], thirdPositions = [];
        var secondTurn = second.WaitForTurnAsync(Record(secondPositions), CancellationToken.None);
        var thirdTurn = third.WaitForTurnAsync(Record(thirdPositions), CancellationToken.None);
        await Task.Delay(50);
        Assert.That(secondTurn.IsCompleted || thirdTurn.IsCompleted, Is.False, "nobody passes the holder");
        Assert.That(queue.WaitingCount, Is.EqualTo(2));

        first.Dispose();
        await secondTurn.WaitAsync(Limit);
        await Task.Delay(50);
        Assert.That(thirdTurn.IsCompleted, Is.False, "the third waits for the second");
        second.Dispose();
        await thirdTurn.WaitAsync(Limit);
        third.Dispose();

        Assert.That(secondPositions, Is.EqualTo(new[] { 1 }));
        Assert.That(thirdPositions, Is.EqualTo(new[] { 2, 1 }));
        Assert.That(queue.IsBusy, Is.False);
    }

    [Test]
    public async Task A_waiter_that_gives_up_leaves_the_line_and_the_others_move_up()
    {
        var queue = new InferenceQueue(capacity: 4);
        var holder = queue.Enter();
        await holder.WaitForTurnAsync(Record([]), CancellationToken.None);
        var leaving = queue.Enter();
        var staying = queue.Enter();
        List<int> stayingPositions = [];
        using var giveUp = new CancellationTokenSource();
        var leavingTurn = leaving.WaitForTurnAsync(Record([]), giveUp.Token);
        var stayingTurn = staying.WaitForTurnAsync(Record(stayingPositions), CancellationToken.None);

        await giveUp.CancelAsync();
        Assert.That(async () => await leavingTurn.WaitAsync(Limit), Throws.InstanceOf<OperationCanceledException>());
        leaving.Dispose();
        await Task.Delay(50);
        Assert.That(stayingPositions, Is.EqualTo(new[] { 2, 1 }));

        holder.Dispose();
        await stayingTurn.WaitAsync(Limit);
        Assert.That(staying.HoldsSlot, Is.True);
        staying.Dispose();
    }

    [Test]
    public async Task A_full_line_refuses_at_once()
    {
        var queue = new InferenceQueue(capacity: 1);
        using var holder = queue.Enter();
        await holder.WaitForTurnAsync(Record([]), CancellationToken.None);
        using var waiting = queue.Enter();
        Assert.That(() => queue.Enter(), Throws.TypeOf<QueueFullException>());
        Assert.That(queue.WaitingCount, Is.EqualTo(1));
    }

    private static Func<int, CancellationToken, Task> Record(List<int> positions) => (position, _) =>
    {
        lock (positions) positions.Add(position);
        return Task.CompletedTask;
    };
}
