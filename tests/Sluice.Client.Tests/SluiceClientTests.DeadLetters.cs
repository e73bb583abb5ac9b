using Sluice.DeadLetters;

namespace Sluice.Client.Tests;

/// <summary>
/// The dead-letter workspace through the SDK (grouping and masking rules are tested in Core; these cases check the SDK
/// carries groups and bulk actions). Assertions rest on causes that differ in exception type and top frame and on ids
/// that differ only in their values (GUIDs, plain numbers), not on a fingerprint's exact text.
/// </summary>
public abstract partial class SluiceClientTests
{
    private const string OrderNotFound = "Shop.Orders.OrderNotFoundException";
    private const string PaymentDeclined = "Shop.Payments.PaymentDeclinedException";

    /// <summary>A dead-letter queue holding three causes: two orders not found (GUID ids), two payments declined (number ids), one free-text timeout.</summary>
    private sealed record DeadLetterFixture(string Queue, string Dlq, IReadOnlyList<Guid> OrderIds, IReadOnlyList<Guid> PaymentIds);

    private async Task<DeadLetterFixture> NewDeadLettersAsync()
    {
        var dlq = await NewQueueAsync(prefix: "dlq");
        var queue = await NewQueueAsync(new QueueOptions { MaxReceiveCount = 5, DeadLetterQueue = dlq });
        var orders = new List<Guid>();
        var payments = new List<Guid>();
        foreach (var id in new[] { Guid.NewGuid(), Guid.NewGuid() })
        {
            orders.Add(await DeadLetterOneAsync(queue, Failure(OrderNotFound, $"order {id} was not found", "Shop.Orders.OrderHandler.Handle(Order order) in /src/Shop/OrderHandler.cs:line 42")));
        }

        foreach (var number in new[] { 1207, 88 })
        {
            payments.Add(await DeadLetterOneAsync(queue, Failure(PaymentDeclined, $"payment {number} was declined by the card issuer", "Shop.Payments.PaymentHandler.Charge(Payment payment) in /src/Shop/PaymentHandler.cs:line 17")));
        }

        await DeadLetterOneAsync(queue, "System.TimeoutException: the mail server did not answer");
        return new DeadLetterFixture(queue, dlq, orders, payments);
    }

    private static string Failure(string type, string message, string frame) =>
        new FailureDetails { ExceptionType = type, Message = message, StackTrace = $"   at {frame}\n   at Shop.Host.Worker.RunAsync()" }.ToErrorText();

    /// <summary>Publishes one message to <paramref name="queue"/> and dead-letters it with <paramref name="error"/>; returns its id.</summary>
    private async Task<Guid> DeadLetterOneAsync(string queue, string error)
    {
        var published = await Client.PublishAsync(queue, Text("job"));
        var delivery = Assert.Single(await Client.ReceiveAsync(queue));
        Assert.Equal(published.MessageId, delivery.MessageId);
        await Client.DeadLetterAsync(queue, delivery.ReceiptHandle!, error);
        return published.MessageId;
    }

    private static DeadLetterGroup GroupOf(DeadLetterGroupList list, string? exceptionType) => Assert.Single(list.Groups, g => g.ExceptionType == exceptionType);

    [Fact]
    public async Task GetDeadLetterGroups_SeveralCauses_OneGroupPerCauseLargestFirst()
    {
        var f = await NewDeadLettersAsync();

        var list = await Client.GetDeadLetterGroupsAsync(f.Dlq);

        Assert.Equal(f.Dlq, list.Queue);
        Assert.Equal(5, list.Scanned);
        Assert.Equal(3, list.TotalGroups);
        Assert.False(list.Truncated);
        Assert.Equal([2L, 2L, 1L], list.Groups.Select(g => g.Count));
        Assert.Equal(3, list.Groups.Select(g => g.GroupId).Distinct().Count());
        var orders = GroupOf(list, OrderNotFound);
        Assert.Equal(FailureSource.ErrorDocument, orders.Source);
        Assert.Contains(orders.Frames, frame => frame.Contains("OrderHandler.Handle", StringComparison.Ordinal));
        Assert.Equal([new DeadLetterSourceCount(f.Queue, 2)], orders.SourceQueues);
        Assert.Contains(orders.Sample.MessageId, f.OrderIds);
        Assert.Equal(OrderNotFound, orders.Sample.Failure?.ExceptionType);
        Assert.Equal(f.Queue, orders.Sample.DeadLetter?.SourceQueue);
        Assert.Equal("job", orders.Sample.BodyPreview);
        Assert.True(orders.Sample.BodyIsText);
        Assert.True(orders.FirstDeadLetteredAt <= orders.LastDeadLetteredAt);
        Assert.Equal(2, GroupOf(list, PaymentDeclined).Count);
        Assert.Equal(FailureSource.ErrorText, Assert.Single(list.Groups, g => g.Count == 1).Source);

        var largest = await Client.GetDeadLetterGroupsAsync(f.Dlq, maxGroups: 1);
        Assert.Equal(2, Assert.Single(largest.Groups).Count);
        Assert.True(largest.Truncated);
    }

    [Fact]
    public async Task DeadLetterGroupActions_DryRun_ReportWhatWouldHappenAndChangeNothing()
    {
        var f = await NewDeadLettersAsync();
        var parking = await NewQueueAsync(prefix: "parking");
        var group = GroupOf(await Client.GetDeadLetterGroupsAsync(f.Dlq), OrderNotFound).GroupId;

        var delete = await Client.DeleteDeadLetterGroupAsync(f.Dlq, group, dryRun: true);
        var move = await Client.MoveDeadLetterGroupAsync(f.Dlq, group, parking, dryRun: true);
        var redrive = await Client.RedriveDeadLetterGroupAsync(f.Dlq, group, dryRun: true);

        Assert.Equal([DeadLetterGroupAction.Delete, DeadLetterGroupAction.Move, DeadLetterGroupAction.Redrive], new[] { delete, move, redrive }.Select(r => r.Action));
        foreach (var result in new[] { delete, move, redrive })
        {
            Assert.True(result.DryRun);
            Assert.Equal(group, result.GroupId);
            Assert.Equal(2, result.Affected);
            Assert.Equal(0, result.SkippedLeased + result.SkippedUnmovable);
            Assert.Equal([new DeadLetterSourceCount(f.Queue, 2)], result.SourceQueues);
        }

        Assert.Equal(parking, move.Destination);
        Assert.Null(redrive.Redrive);
        Assert.Equal(5, (await Client.PeekAsync(f.Dlq)).Count);
        Assert.Empty(await Client.PeekAsync(f.Queue));
        Assert.Empty(await Client.PeekAsync(parking));
        Assert.Equal([2L, 2L, 1L], (await Client.GetDeadLetterGroupsAsync(f.Dlq)).Groups.Select(g => g.Count));
    }

    [Fact]
    public async Task DeleteDeadLetterGroup_OneGroup_OnlyItsMessagesDeleted()
    {
        var f = await NewDeadLettersAsync();
        var group = GroupOf(await Client.GetDeadLetterGroupsAsync(f.Dlq), PaymentDeclined).GroupId;

        var result = await Client.DeleteDeadLetterGroupAsync(f.Dlq, group);

        Assert.False(result.DryRun);
        Assert.Equal(2, result.Affected);
        var left = await Client.PeekAsync(f.Dlq);
        Assert.Equal(3, left.Count);
        Assert.DoesNotContain(left, m => f.PaymentIds.Contains(m.MessageId));
        var groups = await Client.GetDeadLetterGroupsAsync(f.Dlq);
        Assert.DoesNotContain(groups.Groups, g => g.GroupId == group || g.ExceptionType == PaymentDeclined);
        Assert.Equal(2, GroupOf(groups, OrderNotFound).Count);
    }

    [Fact]
    public async Task MoveDeadLetterGroup_ToAnotherQueue_MovedWithTheirFailureKept()
    {
        var f = await NewDeadLettersAsync();
        var parking = await NewQueueAsync(prefix: "parking");
        var group = GroupOf(await Client.GetDeadLetterGroupsAsync(f.Dlq), OrderNotFound).GroupId;

        var result = await Client.MoveDeadLetterGroupAsync(f.Dlq, group, parking);

        Assert.Equal(2, result.Affected);
        Assert.Equal(parking, result.Destination);
        var moved = await Client.PeekAsync(parking);
        Assert.Equal(f.OrderIds.Order(), moved.Select(m => m.MessageId).Order());
        Assert.All(moved, m => Assert.Equal(f.Queue, m.DeadLetter?.SourceQueue));
        var there = Assert.Single((await Client.GetDeadLetterGroupsAsync(parking)).Groups);
        Assert.Equal(group, there.GroupId);
        Assert.Equal(2, there.Count);
        Assert.Equal(3, (await Client.PeekAsync(f.Dlq)).Count);
    }

    [Fact]
    public async Task RedriveDeadLetterGroup_ToSourceQueue_MessagesReadyAgainAndTaskNamesTheGroup()
    {
        var f = await NewDeadLettersAsync();
        var group = GroupOf(await Client.GetDeadLetterGroupsAsync(f.Dlq), OrderNotFound).GroupId;

        var result = await Client.RedriveDeadLetterGroupAsync(f.Dlq, group, maxPerSecond: 50);

        Assert.False(result.DryRun);
        Assert.Equal(2, result.Affected);
        var task = Assert.IsType<RedriveStatus>(result.Redrive);
        Assert.Equal(group, task.GroupId);
        Assert.Equal(f.Dlq, task.DeadLetterQueue);
        Assert.Equal(50, task.MaxPerSecond);
        Assert.Equal(group, (await Client.GetRedriveAsync(task.Id)).GroupId);

        // The task moves both at once (fewer than a second's budget) and wakes receivers of the source queue.
        var redriven = new List<QueueMessage>();
        while (redriven.Count < 2)
        {
            var wait = TimeSpan.FromSeconds(20);
            redriven.AddRange(await Client.ReceiveAsync(f.Queue, new ReceiveOptions { MaxMessages = 10, WaitTime = wait }).AsTask().WaitAsync(RealTimeout));
        }

        Assert.Equal(f.OrderIds.Order(), redriven.Select(m => m.MessageId).Order());
        Assert.All(redriven, m => Assert.Equal(1, m.ReceiveCount));
        Assert.All(redriven, m => Assert.Null(m.DeadLetter));
        var left = await Client.PeekAsync(f.Dlq);
        Assert.Equal(3, left.Count);
        Assert.DoesNotContain(left, m => f.OrderIds.Contains(m.MessageId));
    }

    [Fact]
    public async Task DeleteDeadLetterGroup_MalformedGroupId_InvalidArgumentAndNothingDeleted()
    {
        var f = await NewDeadLettersAsync();

        await ThrowsCodeAsync(ErrorCodes.InvalidArgument, () => Client.DeleteDeadLetterGroupAsync(f.Dlq, "not-a-group").AsTask());

        Assert.Equal(5, (await Client.PeekAsync(f.Dlq)).Count);
    }
}
