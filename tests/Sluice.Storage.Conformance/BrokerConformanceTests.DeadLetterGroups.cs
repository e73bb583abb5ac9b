using System.Globalization;
using Sluice.DeadLetters;

namespace Sluice.Storage.Conformance;

/// <summary>The dead-letter workspace: scanning, failure groups and bulk group actions (docs/design/dead-letters.md).</summary>
public abstract partial class BrokerConformanceTests
{
    /// <summary>A failure document as the Worker writes it, with a .NET stack trace of the given frames (innermost first).</summary>
    protected static string FailureText(string type, string message, params string[] frames) => new FailureDetails
    {
        ExceptionType = type,
        Message = message,
        StackTrace = string.Join(Environment.NewLine, frames.Select(f => "   at " + f)),
        Attempts = [new FailureAttempt(1, StartTime, "host/1", type, message)],
    }.ToErrorText();

    /// <summary>Publishes one message per item to <paramref name="queue"/> (max receive count 1) and nacks each with its error, so all are dead-lettered.</summary>
    protected async Task DeadLetterWithErrorsAsync(string queue, IReadOnlyList<(string Body, string? Error)> items)
    {
        var byBody = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var chunk in items.Chunk(100))
        {
            await Broker.PublishBatchAsync(queue, [.. chunk.Select(i => Message(i.Body))]);
            foreach (var (body, error) in chunk)
            {
                byBody[body] = error;
            }
        }

        while (await ReceiveAsync(queue, 100) is { Count: > 0 } received)
        {
            await Task.WhenAll(received.Select(m => Broker.NackAsync(queue, m.ReceiptHandle!, null, byBody[Text(m)]).AsTask()));
        }
    }

    /// <summary>Every message of a queue in sequence order, read with the store's scan.</summary>
    protected async Task<List<QueueMessage>> AllMessagesAsync(string queue)
    {
        var all = new List<QueueMessage>();
        while (true)
        {
            var page = await Store.ScanAsync(queue, all.Count == 0 ? 0 : all[^1].SequenceNumber, 100);
            all.AddRange(page);
            if (page.Count < 100)
            {
                return all;
            }
        }
    }

    /// <summary>How many messages a queue holds (every state), from the store's counters.</summary>
    protected async Task<long> TotalAsync(string queue) => (await Store.GetCountsAsync(queue)).Total;

    /// <summary>What a queue holds, for before/after comparisons: every message's id, body, state, receive count and dead-letter information.</summary>
    private async Task<List<string>> ContentsAsync(string queue) =>
        [.. (await AllMessagesAsync(queue)).Select(m =>
            $"{m.SequenceNumber} {m.MessageId} {Text(m)} {m.State} {m.ReceiveCount} {m.VisibleAt:O} {m.DeadLetter}")];

    /// <summary>
    /// 1,000 dead letters from 5 causes, the ids in their messages varying (GUIDs, numbers, e-mail addresses, URLs,
    /// timestamps); causes 1 and 2 differ only in their top application frame; line numbers and paths vary within each.
    /// </summary>
    private static List<(string Body, string? Error)> FiveCauses(int count)
    {
        var items = new List<(string, string?)>(count);
        for (var i = 0; i < count; i++)
        {
            var id = new Guid(i, 7, 9, 1, 2, 3, 4, 5, 6, 7, 8);
            var at = StartTime.AddSeconds(i * 37).ToString("O", CultureInfo.InvariantCulture);
            var line = 40 + (i % 7);
            var path = i % 2 == 0 ? "/src/build-a" : @"C:\agent\_work\12\s";
            string? error = (i % 5) switch
            {
                0 => FailureText("System.InvalidOperationException", $"order {1000 + i} of customer{i}@example.com is not payable at {at}",
                    "System.Collections.Generic.Dictionary`2.FindValue(TKey key)",
                    $"Shop.Orders.OrderHandler.HandleAsync(Order order) in {path}/OrderHandler.cs:line {line}",
                    $"Shop.Orders.Pipeline.RunAsync() in {path}/Pipeline.cs:line {line + 100}"),
                1 => FailureText("System.InvalidOperationException", $"order {1000 + i} of customer{i}@example.com is not payable at {at}",
                    $"Shop.Billing.Invoicer.Charge(Invoice invoice) in {path}/Invoicer.cs:line {line}",
                    $"Shop.Orders.Pipeline.RunAsync() in {path}/Pipeline.cs:line {line + 100}"),
                2 => FailureText("System.Net.Http.HttpRequestException", $"GET https://api.example.com/v1/users/{id}?page={i} returned 503 after {i * 3} ms",
                    "System.Net.Http.HttpClient.SendAsync(HttpRequestMessage request)",
                    $"Shop.Users.Directory.<FindAsync>d__{i % 3}.MoveNext() in {path}/Directory.cs:line {line}"),
                3 => $"timeout talking to db-{i % 4}.internal:5432 after {i % 30}s (request 0x{i * 7919:x8}, trace {id:N}, user '{i}')",
                _ => null,
            };
            var body = error is null
                ? $$"""{"orderId":{{i}},"email":"buyer{{i}}@example.com","placedAt":"{{at}}","n":{{i}}}"""
                : $"job-{i}";
            items.Add((body, error));
        }

        return items;
    }

    [Fact]
    public async Task GetDeadLetterGroups_ThousandDeadLettersFromFiveCauses_ExactlyFiveGroups()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterWithErrorsAsync("jobs", FiveCauses(1000));

        var list = await Broker.GetDeadLetterGroupsAsync("dlq");

        Assert.Equal(1000, list.Scanned);
        Assert.Equal(5, list.TotalGroups);
        Assert.False(list.Truncated);
        Assert.Equal(0, list.Untracked);
        Assert.Equal(5, list.Groups.Count);
        Assert.All(list.Groups, g =>
        {
            Assert.Equal(200, g.Count);
            Assert.Equal([new DeadLetterSourceCount("jobs", 200)], g.SourceQueues);
            Assert.Matches("^[0-9a-f]{16}$", g.GroupId);
        });
        var bySource = list.Groups.ToLookup(g => g.Source);
        Assert.Equal(3, bySource[FailureSource.ErrorDocument].Count());
        var payable = bySource[FailureSource.ErrorDocument].Where(g => g.ExceptionType == "System.InvalidOperationException").ToList();
        Assert.Equal(2, payable.Count);
        Assert.Equal(["Shop.Billing.Invoicer.Charge(Invoice invoice)", "Shop.Orders.OrderHandler.HandleAsync(Order order)"],
            payable.Select(g => g.Frames[0]).Order(StringComparer.Ordinal));
        Assert.All(payable, g => Assert.Equal("order <num> of <email> is not payable at <time>", g.Fingerprint));
        var http = Assert.Single(list.Groups, g => g.ExceptionType == "System.Net.Http.HttpRequestException");
        Assert.Equal(["Shop.Users.Directory.FindAsync()"], http.Frames);
        Assert.NotNull(http.Sample.Failure);
        Assert.Equal(FailureSource.ErrorText, Assert.Single(bySource[FailureSource.ErrorText]).Source);
        var body = Assert.Single(bySource[FailureSource.Body]);
        Assert.Null(body.ExceptionType);
        Assert.Equal("""{"orderId":<num>,"email":"<str>","placedAt":"<str>","n":<num>}""", body.Fingerprint);
        Assert.StartsWith("{\"orderId\":", body.Sample.BodyPreview, StringComparison.Ordinal);
        Assert.True(body.Sample.BodyIsText);
    }

    [Fact]
    public async Task GetDeadLetterGroups_GroupDetails_CountsTimesSourcesAndFirstSample()
    {
        await CreateQueueWithDeadLettersAsync(1, "orders");
        await CreateQueueWithDeadLettersAsync(1, "emails");
        await DeadLetterWithErrorsAsync("orders", [("o1", "disk 1 full"), ("o2", "disk 2 full")]);
        Advance(TimeSpan.FromMinutes(5));
        await DeadLetterWithErrorsAsync("emails", [("e1", "disk 3 full"), ("e2", "quota exceeded")]);

        var list = await Broker.GetDeadLetterGroupsAsync("dlq");

        Assert.Equal(2, list.Groups.Count);
        var disk = list.Groups[0];
        Assert.Equal(3, disk.Count);
        Assert.Equal("disk <num> full", disk.Fingerprint);
        Assert.Equal(FailureSource.ErrorText, disk.Source);
        Assert.Equal(StartTime, disk.FirstDeadLetteredAt);
        Assert.Equal(StartTime.AddMinutes(5), disk.LastDeadLetteredAt);
        Assert.Equal([new DeadLetterSourceCount("orders", 2), new DeadLetterSourceCount("emails", 1)], disk.SourceQueues);
        Assert.Equal("o1", disk.Sample.BodyPreview);
        Assert.Equal(2, disk.Sample.BodySize);
        Assert.Equal("disk 1 full", disk.Sample.DeadLetter!.LastError);
        Assert.Equal("orders", disk.Sample.DeadLetter.SourceQueue);
        Assert.Null(disk.Sample.Failure);
        Assert.Equal(1, list.Groups[1].Count);
    }

    [Fact]
    public async Task GetDeadLetterGroups_MoreGroupsThanAsked_ReportsLargestAndFlagsTruncated()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterWithErrorsAsync("jobs", [("a1", "alpha"), ("a2", "alpha"), ("a3", "alpha"), ("b1", "beta"), ("b2", "beta"), ("c1", "gamma")]);

        var list = await Broker.GetDeadLetterGroupsAsync("dlq", maxGroups: 2);

        Assert.True(list.Truncated);
        Assert.Equal(3, list.TotalGroups);
        Assert.Equal(["alpha", "beta"], list.Groups.Select(g => g.Fingerprint));
        Assert.Equal([3L, 2L], list.Groups.Select(g => g.Count));
    }

    [Fact]
    public async Task GetDeadLetterGroups_LeasesNothing()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterWithErrorsAsync("jobs", [("a", "x"), ("b", "x")]);
        var before = await ContentsAsync("dlq");

        await Broker.GetDeadLetterGroupsAsync("dlq");

        Assert.Equal(before, await ContentsAsync("dlq"));
        Assert.Equal(2, (await ReceiveAsync("dlq", 10)).Count);
    }

    [Fact]
    public async Task GetDeadLetterGroups_BadArguments_Refused()
    {
        await CreateQueueAsync("dlq");

        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.GetDeadLetterGroupsAsync("nope").AsTask());
        await AssertInvalidAsync("maxGroups", () => Broker.GetDeadLetterGroupsAsync("dlq", 0).AsTask());
        await AssertInvalidAsync("maxGroups", () => Broker.GetDeadLetterGroupsAsync("dlq", Broker.MaxReportedDeadLetterGroups + 1).AsTask());
    }

    [Fact]
    public async Task GroupActions_LiveMessagesInTheDeadLetterQueue_NeverGroupedNorTouched()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterWithErrorsAsync("jobs", [("{\"id\":1}", null), ("{\"id\":2}", null)]);
        await PublishAsync("dlq", "{\"id\":3}"); // published straight to the dead-letter queue: live, same body shape
        var group = Assert.Single((await Broker.GetDeadLetterGroupsAsync("dlq")).Groups);
        Assert.Equal(2, group.Count);

        Assert.Equal(2, (await Broker.DeleteDeadLetterGroupAsync("dlq", group.GroupId, dryRun: true)).Affected);
        var deleted = await Broker.DeleteDeadLetterGroupAsync("dlq", group.GroupId);

        Assert.Equal(2, deleted.Affected);
        var left = Assert.Single(await AllMessagesAsync("dlq"));
        Assert.Equal("{\"id\":3}", Text(left));
    }

    [Fact]
    public async Task GroupActions_QueueThatIsNoDeadLetterQueueAndHoldsNoDeadLetters_RefusedWithoutChanges()
    {
        await CreateQueueAsync("orders");
        await CreateQueueAsync("parked");
        for (var i = 0; i < 5; i++)
        {
            await PublishAsync("orders", $"{{\"id\":{i}}}");
        }

        const string groupId = "0123456789abcdef";
        var before = await ContentsAsync("orders");

        await AssertInvalidAsync("queue", () => Broker.GetDeadLetterGroupsAsync("orders").AsTask());
        await AssertInvalidAsync("queue", () => Broker.DeleteDeadLetterGroupAsync("orders", groupId).AsTask());
        await AssertInvalidAsync("queue", () => Broker.DeleteDeadLetterGroupAsync("orders", groupId, dryRun: true).AsTask());
        await AssertInvalidAsync("queue", () => Broker.MoveDeadLetterGroupAsync("orders", groupId, "parked").AsTask());
        await AssertInvalidAsync("queue", () => Broker.RedriveDeadLetterGroupAsync("orders", groupId).AsTask());
        Assert.Equal(before, await ContentsAsync("orders"));
    }

    [Fact]
    public async Task GroupActions_WellFormedIdWithoutMembers_GroupNotFoundWithoutChanges()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("parked");
        await DeadLetterWithErrorsAsync("jobs", [("a", "x")]);
        const string groupId = "0123456789abcdef";
        var before = await ContentsAsync("dlq");

        foreach (var dryRun in new[] { true, false })
        {
            await AssertErrorAsync(ErrorCodes.DeadLetterGroupNotFound, () => Broker.RedriveDeadLetterGroupAsync("dlq", groupId, dryRun: dryRun).AsTask());
            await AssertErrorAsync(ErrorCodes.DeadLetterGroupNotFound, () => Broker.DeleteDeadLetterGroupAsync("dlq", groupId, dryRun).AsTask());
            await AssertErrorAsync(ErrorCodes.DeadLetterGroupNotFound, () => Broker.MoveDeadLetterGroupAsync("dlq", groupId, "parked", dryRun).AsTask());
        }

        Assert.Equal(before, await ContentsAsync("dlq"));
        Assert.Empty(await Broker.ListRedrivesAsync());
    }

    [Fact]
    public async Task RedriveDeadLetterGroup_SameGroupRunning_SecondRefusedNamingTheFirst()
    {
        await CreateQueueWithDeadLettersAsync(1);
        // Rate 1 a second on a clock that does not move: no task can finish during the test.
        await DeadLetterWithErrorsAsync("jobs", [.. Enumerable.Range(0, 10).Select(i => ($"m{i}", (string?)(i < 6 ? "x" : "y")))]);
        var groups = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups;
        var first = (await Broker.RedriveDeadLetterGroupAsync("dlq", groups[0].GroupId, maxPerSecond: 1)).Redrive!;

        var error = await Assert.ThrowsAsync<SluiceException>(() => Broker.RedriveDeadLetterGroupAsync("dlq", groups[0].GroupId).AsTask());
        var other = await Broker.RedriveDeadLetterGroupAsync("dlq", groups[1].GroupId, maxPerSecond: 1); // another group may run
        var whole = await Broker.StartRedriveAsync("dlq", maxPerSecond: 1);
        var wholeAgain = await Assert.ThrowsAsync<SluiceException>(() => Broker.StartRedriveAsync("dlq").AsTask());

        Assert.Equal(ErrorCodes.RedriveInProgress, error.ErrorCode);
        Assert.Contains(first.Id, error.Message, StringComparison.Ordinal);
        Assert.NotNull(other.Redrive);
        Assert.Equal(ErrorCodes.RedriveInProgress, wholeAgain.ErrorCode);
        Assert.Contains(whole.Id, wholeAgain.Message, StringComparison.Ordinal);
        await Broker.CancelRedriveAsync(first.Id);
        await Broker.CancelRedriveAsync(other.Redrive!.Id);
        await Broker.CancelRedriveAsync(whole.Id);
    }

    [Fact]
    public async Task GroupActions_DryRunToAFullOrDeletedQueue_AgreesWithTheRealRun()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("tiny", new QueueOptions { MaxLength = 3 });
        await PublishAsync("tiny", "already here");
        await DeadLetterWithErrorsAsync("jobs", [.. Enumerable.Range(0, 5).Select(i => ($"m{i}", (string?)"boom"))]);
        var group = Assert.Single((await Broker.GetDeadLetterGroupsAsync("dlq")).Groups).GroupId;

        var dryMove = await Broker.MoveDeadLetterGroupAsync("dlq", group, "tiny", dryRun: true);
        var dryRedrive = await Broker.RedriveDeadLetterGroupAsync("dlq", group, "tiny", dryRun: true);
        await Broker.DeleteQueueAsync("jobs");
        var dryToDeletedSource = await Broker.RedriveDeadLetterGroupAsync("dlq", group, dryRun: true);
        var move = await Broker.MoveDeadLetterGroupAsync("dlq", group, "tiny");

        Assert.Equal((2L, 3L), (dryMove.Affected, dryMove.SkippedUnmovable));
        Assert.Equal((2L, 3L), (dryRedrive.Affected, dryRedrive.SkippedUnmovable));
        Assert.Equal((0L, 5L), (dryToDeletedSource.Affected, dryToDeletedSource.SkippedUnmovable));
        Assert.Equal((dryMove.Affected, dryMove.SkippedUnmovable), (move.Affected, move.SkippedUnmovable));
    }

    [Fact]
    public async Task GroupActions_DryRun_ChangesNothingAndReportsWhatWouldHappen()
    {
        await CreateQueueWithDeadLettersAsync(1, "orders");
        await CreateQueueWithDeadLettersAsync(1, "emails");
        await CreateQueueAsync("parked");
        var causes = FiveCauses(50);
        await DeadLetterWithErrorsAsync("orders", causes[3..33]); // the first is of the error-text group (i % 5 == 3)
        await DeadLetterWithErrorsAsync("emails", [.. causes[33..], .. causes[..3]]);
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups.Single(g => g.Source == FailureSource.ErrorText);
        var leased = await ReceiveOneAsync("dlq", TimeSpan.FromMinutes(5)); // a dead-letter consumer holds the oldest message
        Assert.Equal(group.GroupId, FailureFingerprint.Of(leased).GroupId);
        var before = new[] { await ContentsAsync("dlq"), await ContentsAsync("orders"), await ContentsAsync("emails"), await ContentsAsync("parked") };
        var counts = await StatsAsync("dlq");

        var results = new[]
        {
            await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId, dryRun: true),
            await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId, "parked", dryRun: true),
            await Broker.DeleteDeadLetterGroupAsync("dlq", group.GroupId, dryRun: true),
            await Broker.MoveDeadLetterGroupAsync("dlq", group.GroupId, "parked", dryRun: true),
        };

        Assert.Equal(before, new[] { await ContentsAsync("dlq"), await ContentsAsync("orders"), await ContentsAsync("emails"), await ContentsAsync("parked") });
        Assert.Equal(counts, await StatsAsync("dlq"));
        Assert.All(results, r =>
        {
            Assert.True(r.DryRun);
            Assert.Null(r.Redrive);
            Assert.Equal(9, r.Affected);
            Assert.Equal(1, r.SkippedLeased);
            Assert.Equal(0, r.SkippedUnmovable);
            Assert.Equal([new DeadLetterSourceCount("orders", 5), new DeadLetterSourceCount("emails", 4)], r.SourceQueues);
            Assert.Equal(Now, r.Cutoff);
        });
        Assert.Equal([DeadLetterGroupAction.Redrive, DeadLetterGroupAction.Redrive, DeadLetterGroupAction.Delete, DeadLetterGroupAction.Move], results.Select(r => r.Action));
        Assert.Equal([null, "parked", null, "parked"], results.Select(r => r.Destination));
        Assert.Empty(await Broker.ListRedrivesAsync());
    }

    [Fact]
    public async Task DeleteDeadLetterGroup_DeletesOnlyTheGroupAndSkipsLeased()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterWithErrorsAsync("jobs", FiveCauses(25));
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups.Single(g => g.Source == FailureSource.Body);
        var leased = await ReceiveAsync("dlq", 5, TimeSpan.FromMinutes(5)); // the 5th message is the first body-only one

        var result = await Broker.DeleteDeadLetterGroupAsync("dlq", group.GroupId);

        Assert.False(result.DryRun);
        Assert.Equal(4, result.Affected);
        Assert.Equal(1, result.SkippedLeased);
        Assert.Equal([new DeadLetterSourceCount("jobs", 4)], result.SourceQueues);
        var left = await AllMessagesAsync("dlq");
        Assert.Equal(21, left.Count);
        Assert.Equal(leased[4].MessageId, Assert.Single(left, m => FailureFingerprint.Of(m).GroupId == group.GroupId).MessageId);
        Assert.Equal(21, (await TotalAsync("dlq")));
        Assert.Equal(4, (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups.Count(g => g.Count == 5));
    }

    [Fact]
    public async Task MoveDeadLetterGroup_KeepsDeadLetterInfoSoTheGroupStaysTheSame()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("parked");
        await DeadLetterWithErrorsAsync("jobs", [("a", "broken 1"), ("b", "broken 2"), ("c", "other")]);
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups[0];
        Advance(TimeSpan.FromMinutes(1));

        var result = await Broker.MoveDeadLetterGroupAsync("dlq", group.GroupId, "parked");

        Assert.Equal(2, result.Affected);
        Assert.Equal("parked", result.Destination);
        Assert.Equal(["c"], (await AllMessagesAsync("dlq")).Select(Text));
        var moved = await AllMessagesAsync("parked");
        Assert.Equal(["a", "b"], moved.Select(Text));
        Assert.All(moved, m =>
        {
            Assert.Equal(MessageState.Ready, m.State);
            Assert.Equal(0, m.ReceiveCount);
            Assert.Equal("jobs", m.DeadLetter!.SourceQueue);
            Assert.Equal(StartTime, m.DeadLetter.DeadLetteredAt);
        });
        var there = Assert.Single((await Broker.GetDeadLetterGroupsAsync("parked")).Groups);
        Assert.Equal(group.GroupId, there.GroupId);
        Assert.Equal(2, (await StatsAsync("parked")).Ready);
        Assert.Equal(1, (await StatsAsync("dlq")).Ready);
    }

    [Fact]
    public async Task RedriveDeadLetterGroup_ToSourceQueues_RateLimitedAndOnlyTheGroup()
    {
        await CreateQueueWithDeadLettersAsync(1, "orders");
        await CreateQueueWithDeadLettersAsync(1, "emails");
        await DeadLetterWithErrorsAsync("orders", [.. Enumerable.Range(0, 15).Select(i => ($"o{i}", (string?)$"smtp {i} refused")), ("x", "unrelated")]);
        await DeadLetterWithErrorsAsync("emails", [.. Enumerable.Range(0, 10).Select(i => ($"e{i}", (string?)$"smtp {i} refused"))]);
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups[0];
        Assert.Equal(25, group.Count);

        var result = await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId, maxPerSecond: 20);

        Assert.False(result.DryRun);
        Assert.Equal(25, result.Affected);
        var task = Assert.IsType<RedriveStatus>(result.Redrive);
        Assert.Equal(group.GroupId, task.GroupId);
        Assert.Equal(25, task.Total);
        Assert.Equal(20, task.MaxPerSecond);
        await WaitUntilRedriveAsync(Broker, task.Id, r => r.Moved == 20, "the first 20 messages are moved");
        Assert.Equal(RedriveState.Running, (await Broker.GetRedriveAsync(task.Id)).State);
        Advance(TimeSpan.FromSeconds(1));
        var done = await Broker.WaitForRedriveAsync(task.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal(25, done.Moved);
        Assert.Null(done.Error);
        Assert.Equal(["x"], (await AllMessagesAsync("dlq")).Select(Text));
        Assert.Equal(15, (await StatsAsync("orders")).Ready);
        Assert.Equal(10, (await StatsAsync("emails")).Ready);
        Assert.All(await AllMessagesAsync("orders"), m => Assert.True(m.DeadLetter is null && m.ReceiveCount == 0));
    }

    [Fact]
    public async Task RedriveDeadLetterGroup_MessagesDeadLetteredAfterTheCall_AreNotIncluded()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("retry");
        await DeadLetterWithErrorsAsync("jobs", [("a", "lost 1"), ("b", "lost 2")]);
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups[0];
        var result = await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId, "retry", maxPerSecond: 1);
        await WaitUntilRedriveAsync(Broker, result.Redrive!.Id, r => r.Moved == 1, "the first message is moved");

        Advance(TimeSpan.FromMilliseconds(10));
        await DeadLetterWithErrorsAsync("jobs", [("late", "lost 3")]); // the same group, dead-lettered during the redrive
        Advance(TimeSpan.FromSeconds(1));
        await WaitUntilRedriveAsync(Broker, result.Redrive!.Id, r => r.Moved == 2, "the second message is moved");
        Advance(TimeSpan.FromSeconds(1)); // the walk reaches the end of the queue
        var done = await Broker.WaitForRedriveAsync(result.Redrive!.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(2, done.Moved);
        Assert.Equal(["a", "b"], (await AllMessagesAsync("retry")).Select(Text).Order(StringComparer.Ordinal));
        Assert.Equal(["late"], (await AllMessagesAsync("dlq")).Select(Text));
    }

    [Fact]
    public async Task RedriveDeadLetterGroup_SourceQueueDeleted_ReportedAsUnmovableAndKept()
    {
        await CreateQueueWithDeadLettersAsync(1, "orders");
        await CreateQueueWithDeadLettersAsync(1, "gone");
        await DeadLetterWithErrorsAsync("orders", [("a", "bad 1")]);
        await DeadLetterWithErrorsAsync("gone", [("b", "bad 2")]);
        await Broker.DeleteQueueAsync("gone");
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups[0];

        var preview = await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId, dryRun: true);
        var result = await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId);
        var done = await Broker.WaitForRedriveAsync(result.Redrive!.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal((1L, 1L), (preview.Affected, preview.SkippedUnmovable));
        Assert.Equal(1, done.Moved);
        Assert.Contains("1 without a source queue", done.Error, StringComparison.Ordinal);
        Assert.Equal(["b"], (await AllMessagesAsync("dlq")).Select(Text));
    }

    [Fact]
    public async Task GroupActions_BadArguments_RefusedWithoutChanges()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("fifo.fifo", new QueueOptions { Fifo = true });
        await DeadLetterWithErrorsAsync("jobs", [("a", "bad")]);
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups[0].GroupId;
        var before = await ContentsAsync("dlq");

        await AssertInvalidAsync("groupId", () => Broker.DeleteDeadLetterGroupAsync("dlq", "XYZ").AsTask());
        await AssertInvalidAsync("groupId", () => Broker.DeleteDeadLetterGroupAsync("dlq", group.ToUpperInvariant()).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.DeleteDeadLetterGroupAsync("nope", group).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.MoveDeadLetterGroupAsync("dlq", group, "nowhere").AsTask());
        await AssertInvalidAsync("destination", () => Broker.MoveDeadLetterGroupAsync("dlq", group, "fifo.fifo").AsTask());
        await AssertInvalidAsync("destination", () => Broker.MoveDeadLetterGroupAsync("dlq", group, "dlq").AsTask());
        await AssertInvalidAsync("maxPerSecond", () => Broker.RedriveDeadLetterGroupAsync("dlq", group, maxPerSecond: 0).AsTask());

        Assert.Equal(before, await ContentsAsync("dlq"));
        Assert.Empty(await Broker.ListRedrivesAsync());
    }

    [Fact]
    public async Task Scan_PagesInSequenceOrderInEveryStateWithoutLeasing()
    {
        await CreateQueueAsync("jobs");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await PublishAsync("jobs", $"m{i}", priority: i % 2 == 0 ? 0 : 9, delay: i == 4 ? TimeSpan.FromMinutes(1) : null));
        }

        var leased = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(1)); // m1: priority 9 first

        var first = await Store.ScanAsync("jobs", 0, 3);
        var second = await Store.ScanAsync("jobs", first[^1].SequenceNumber, 3);

        Assert.Equal(ids, first.Concat(second).Select(m => m.MessageId));
        Assert.Equal(2, second.Count);
        Assert.Equal([MessageState.Ready, MessageState.InFlight, MessageState.Ready, MessageState.Ready, MessageState.Delayed],
            first.Concat(second).Select(m => m.State));
        Assert.Equal(leased.MessageId, first[1].MessageId);
        Assert.All(first.Concat(second), m => Assert.Null(m.ReceiptHandle));
        Assert.Empty(await Store.ScanAsync("jobs", second[^1].SequenceNumber, 3));
        var stats = await StatsAsync("jobs");
        Assert.Equal((3L, 1L, 1L), (stats.Ready, stats.InFlight, stats.Delayed));
        await Broker.AckAsync("jobs", leased.ReceiptHandle!);
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Store.ScanAsync("nope", 0, 10).AsTask());
    }

    [Fact]
    public async Task DeleteMessages_SkipsLeasedAndMissing_InOneCall()
    {
        await CreateQueueAsync("jobs");
        await CreateQueueAsync("other");
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");
        await PublishAsync("other", "c");
        var all = await AllMessagesAsync("jobs");
        var leased = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(1));
        var elsewhere = (await AllMessagesAsync("other"))[0].SequenceNumber;

        var outcomes = await Store.DeleteMessagesAsync("jobs", [all[1].SequenceNumber, leased.SequenceNumber, elsewhere, 999_999]);

        Assert.Equal([MessageSetOutcome.Done, MessageSetOutcome.Leased, MessageSetOutcome.Missing, MessageSetOutcome.Missing], outcomes);
        Assert.Equal([leased.MessageId], (await AllMessagesAsync("jobs")).Select(m => m.MessageId));
        Assert.Equal(1, (await TotalAsync("jobs")));
        Assert.Equal(1, (await TotalAsync("other")));
        Advance(TimeSpan.FromMinutes(1)); // the lease ended: now it can go
        Assert.Equal([MessageSetOutcome.Done], await Store.DeleteMessagesAsync("jobs", [leased.SequenceNumber]));
        Assert.Equal(0, (await TotalAsync("jobs")));
    }

    [Fact]
    public async Task MoveMessages_ToSourcesOrDestination_KeepsOrClearsDeadLetterInfo()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("parked");
        await CreateQueueAsync("tiny", new QueueOptions { MaxLength = 1 });
        await DeadLetterWithErrorsAsync("jobs", [("a", "e1"), ("b", "e2"), ("c", "e3"), ("d", "e4")]);
        await PublishAsync("dlq", "direct"); // never dead-lettered: no source queue
        var dead = await AllMessagesAsync("dlq");
        Advance(TimeSpan.FromMinutes(1));

        var toSource = await Store.MoveMessagesAsync("dlq", [dead[0].SequenceNumber, dead[4].SequenceNumber], null, keepDeadLetterInfo: false);
        var kept = await Store.MoveMessagesAsync("dlq", [dead[1].SequenceNumber], "parked", keepDeadLetterInfo: true);
        var full = await Store.MoveMessagesAsync("dlq", [dead[2].SequenceNumber, dead[3].SequenceNumber], "tiny", keepDeadLetterInfo: false);

        Assert.Equal([MessageSetOutcome.Done, MessageSetOutcome.Unmovable], toSource);
        Assert.Equal([MessageSetOutcome.Done], kept);
        Assert.Equal([MessageSetOutcome.Done, MessageSetOutcome.Unmovable], full);
        var back = Assert.Single(await AllMessagesAsync("jobs"));
        Assert.Equal((dead[0].MessageId, dead[0].SequenceNumber, 0, MessageState.Ready), (back.MessageId, back.SequenceNumber, back.ReceiveCount, back.State));
        Assert.Null(back.DeadLetter);
        var parked = Assert.Single(await AllMessagesAsync("parked"));
        Assert.Equal(("jobs", "e2", StartTime), (parked.DeadLetter!.SourceQueue, parked.DeadLetter.LastError, parked.DeadLetter.DeadLetteredAt));
        Assert.Equal(MessageState.Ready, parked.State);
        Assert.Equal(["d", "direct"], (await AllMessagesAsync("dlq")).Select(Text));
        Assert.Equal((1L, 1L, 1L, 2L), ((await TotalAsync("jobs")), (await TotalAsync("parked")), (await TotalAsync("tiny")), (await TotalAsync("dlq"))));
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Store.MoveMessagesAsync("dlq", [dead[3].SequenceNumber], "nope", false).AsTask());
    }
}
