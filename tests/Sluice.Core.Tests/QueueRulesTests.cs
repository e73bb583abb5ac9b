using Sluice.Storage;

namespace Sluice.Core.Tests;

/// <summary>The rules every store applies, tested once here; the conformance suite checks that each store applies them.</summary>
public class QueueRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static QueueInfo Queue(QueueOptions? options = null, string name = "jobs") => new(name, options ?? new QueueOptions(), Now);

    private static OutgoingMessage Message(string body, string? deduplicationId = null, string? group = null) =>
        new(System.Text.Encoding.UTF8.GetBytes(body)) { DeduplicationId = deduplicationId, MessageGroupId = group };

    [Fact]
    public void DeduplicationKey_QueueScope_IsTheId() =>
        Assert.Equal("d", QueueRules.DeduplicationKey(new QueueOptions(), "d", "g"));

    [Fact]
    public void DeduplicationKey_MessageGroupScope_IsGroupAndId() =>
        Assert.Equal("g\u0000d", QueueRules.DeduplicationKey(new QueueOptions { DeduplicationScope = DeduplicationScope.MessageGroup }, "d", "g"));

    [Fact]
    public void DeduplicationKey_NoIdOrNoWindow_IsNull()
    {
        Assert.Null(QueueRules.DeduplicationKey(new QueueOptions(), null, "g"));
        Assert.Null(QueueRules.DeduplicationKey(new QueueOptions { DeduplicationWindow = TimeSpan.Zero }, "d", null));
    }

    [Fact]
    public void DeliveryDelay_MessageDelayOrElseTheQueues()
    {
        var options = new QueueOptions { DeliveryDelay = TimeSpan.FromSeconds(5) };
        Assert.Equal(TimeSpan.FromSeconds(5), QueueRules.DeliveryDelay(options, Message("a")));
        Assert.Equal(TimeSpan.Zero, QueueRules.DeliveryDelay(options, Message("a") with { Delay = TimeSpan.Zero }));
    }

    [Fact]
    public void CreateExisting_SameOptions_ReturnsTheExistingQueue()
    {
        var existing = Queue(new QueueOptions { MaxLength = 5 });
        Assert.Same(existing, QueueRules.CreateExisting(existing, new QueueOptions { MaxLength = 5 }));
    }

    [Fact]
    public void CreateExisting_OtherOptions_ThrowsQueueAlreadyExists()
    {
        var ex = Assert.Throws<SluiceException>(() => QueueRules.CreateExisting(Queue(), new QueueOptions { MaxLength = 5 }));
        Assert.Equal(ErrorCodes.QueueAlreadyExists, ex.ErrorCode);
        Assert.Equal("queue", ex.Field);
    }

    [Fact]
    public void MakeRoom_Fits_EvictsNothing()
    {
        var evicted = new List<int>();
        QueueRules.MakeRoom(Queue(new QueueOptions { MaxLength = 3 }), 2, 20, 1, 10, [(1, 10L)], evicted.Add);
        Assert.Empty(evicted);
    }

    [Fact]
    public void MakeRoom_Reject_ThrowsQueueFullWithoutReadingMessages()
    {
        var queue = Queue(new QueueOptions { MaxLength = 2 });
        var ex = Assert.Throws<SluiceException>(() => QueueRules.MakeRoom(queue, 2, 20, 1, 10, Unread(), (int _) => { }));
        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public void MakeRoom_BatchThatCanNeverFit_ThrowsBeforeEvicting()
    {
        var queue = Queue(new QueueOptions { MaxLengthBytes = 100, OverflowPolicy = OverflowPolicy.DropHead });
        var ex = Assert.Throws<SluiceException>(() => QueueRules.MakeRoom(queue, 1, 10, 1, 101, Unread(), (int _) => { }));
        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
    }

    [Fact]
    public void MakeRoom_DropHead_EvictsOldestUntilItFitsByCountAndBytes()
    {
        var queue = Queue(new QueueOptions { MaxLength = 4, MaxLengthBytes = 100, OverflowPolicy = OverflowPolicy.DropHead });
        var evicted = new List<int>();

        // 4 messages, 90 bytes; adding 1 of 30 bytes needs one slot and 20 bytes: the first (10 bytes) frees the slot,
        // the second (15 bytes) brings the bytes to 65 + 30 = 95.
        QueueRules.MakeRoom(queue, 4, 90, 1, 30, [(1, 10L), (2, 15L), (3, 30L), (4, 35L)], evicted.Add);

        Assert.Equal([1, 2], evicted);
    }

    [Fact]
    public void MakeRoom_ReadyMessagesRunOut_ThrowsQueueFull()
    {
        var queue = Queue(new QueueOptions { MaxLength = 3, OverflowPolicy = OverflowPolicy.DeadLetterHead });
        var evicted = new List<int>();
        var ex = Assert.Throws<SluiceException>(() => QueueRules.MakeRoom(queue, 3, 30, 2, 20, [(1, 10L)], evicted.Add));
        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
        Assert.Contains("in flight or delayed", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OverflowPolicy.DeadLetterHead, true)]
    [InlineData(OverflowPolicy.DropHead, false)]
    [InlineData(OverflowPolicy.Reject, false)]
    public void DeadLettersOnOverflow_ByPolicy(OverflowPolicy policy, bool expected) =>
        Assert.Equal(expected, QueueRules.DeadLettersOnOverflow(new QueueOptions { OverflowPolicy = policy }));

    [Fact]
    public void EndRedriveStep_NothingMovedAndADestinationFull_ThrowsQueueFullNamingIt()
    {
        var ex = Assert.Throws<SluiceException>(() => QueueRules.EndRedriveStep(0, 5, "orders"));
        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Contains("'orders'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EndRedriveStep_SomethingMoved_ReturnsTheStep() =>
        Assert.Equal(new RedriveStep(2, 3), QueueRules.EndRedriveStep(2, 3, "orders"));

    [Theory]
    [InlineData(null, 100, false)]
    [InlineData(3, 2, false)]
    [InlineData(3, 3, true)]
    public void ReceivesUsedUp_ComparesWithMaxReceiveCount(int? max, int receiveCount, bool expected) =>
        Assert.Equal(expected, QueueRules.ReceivesUsedUp(new QueueOptions { MaxReceiveCount = max }, receiveCount));

    [Fact]
    public void PlanPublish_DuplicatesStoredAndWithinBatch_ReportTheOriginals()
    {
        var stored = new PublishResult(Guid.NewGuid(), false) { SequenceNumber = 7 };
        var plan = QueueRules.PlanPublish(new QueueOptions(), [Message("a", "old"), Message("b", "new"), Message("c"), Message("d", "new")], Now,
            key => key == "old" ? stored : null);

        Assert.Equal([false, true, true, false], Enumerable.Range(0, 4).Select(plan.IsNew));
        Assert.Equal(2, plan.AddCount);
        Assert.Equal(2, plan.AddBytes);
        Assert.Equal(["old", "new", null, "new"], plan.DeduplicationKeys);
        plan.Stored(1, 8);
        plan.Stored(2, 9);

        var results = plan.Complete();

        Assert.Equal(new PublishResult(stored.MessageId, true) { SequenceNumber = 7 }, results[0]);
        Assert.Equal(new PublishResult(plan.MessageId(1), false) { SequenceNumber = 8 }, results[1]);
        Assert.Equal(9, results[2].SequenceNumber);
        Assert.Equal(new PublishResult(plan.MessageId(1), true) { SequenceNumber = 8 }, results[3]);
    }

    [Fact]
    public void CheckHandle_Latest_Passes()
    {
        var queue = Queue();
        var text = ReceiptHandle.Issue(queue, 5, 2);
        QueueRules.CheckHandle(queue, ReceiptHandle.Parse(text, queue), new LeaseState(2, true, Now.AddSeconds(30)), requireInFlight: true, Now);
    }

    [Theory]
    [InlineData(false, 2, true, 30, false, ErrorCodes.MessageNotFound)] // no such message
    [InlineData(true, 1, true, 30, false, ErrorCodes.MessageNotFound)]  // token newer than the message's
    [InlineData(true, 3, true, 30, false, ErrorCodes.ReceiptHandleStale)] // received again since
    [InlineData(true, 2, false, 0, false, ErrorCodes.MessageNotInFlight)] // released by a nack
    [InlineData(true, 2, true, -1, true, ErrorCodes.ReceiptHandleStale)] // FIFO: the lease ended
    public void CheckHandle_Refused_ThrowsTheRightCode(bool exists, int generation, bool leased, int visibleInSeconds, bool fifo, string code)
    {
        var queue = Queue(new QueueOptions { Fifo = fifo }, fifo ? "jobs.fifo" : "jobs");
        var text = ReceiptHandle.Issue(queue, 5, 2);
        LeaseState? stored = exists ? new LeaseState(generation, leased, Now.AddSeconds(visibleInSeconds)) : null;

        var ex = Assert.Throws<SluiceException>(() =>
            QueueRules.CheckHandle(queue, ReceiptHandle.Parse(text, queue), stored, requireInFlight: true, Now));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal("receiptHandle", ex.Field);
    }

    [Fact]
    public void CheckHandle_TokenNewerThanTheMessages_ThrowsNotFoundSayingTheReceiveWasLost()
    {
        var queue = Queue();
        var text = ReceiptHandle.Issue(queue, 5, 2);

        var ex = Assert.Throws<SluiceException>(() =>
            QueueRules.CheckHandle(queue, ReceiptHandle.Parse(text, queue), new LeaseState(1, true, Now.AddSeconds(30)), requireInFlight: false, Now));

        Assert.Equal(ErrorCodes.MessageNotFound, ex.ErrorCode);
        Assert.Equal("receiptHandle", ex.Field);
        Assert.Contains("lost in a server crash; receive the message again", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("already acknowledged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckHandle_AckAfterNackOnStandardQueue_Passes()
    {
        var queue = Queue();
        var text = ReceiptHandle.Issue(queue, 5, 2);
        QueueRules.CheckHandle(queue, ReceiptHandle.Parse(text, queue), new LeaseState(2, false, Now), requireInFlight: false, Now);
    }

    private static IEnumerable<(int, long)> Unread()
    {
        Assert.Fail("the rule read messages it did not need");
        yield break;
    }
}
