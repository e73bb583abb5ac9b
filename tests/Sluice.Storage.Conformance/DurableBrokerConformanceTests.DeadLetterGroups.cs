using Sluice.DeadLetters;

namespace Sluice.Storage.Conformance;

public abstract partial class DurableBrokerConformanceTests
{
    [Fact]
    public async Task Restart_DeadLetterGroups_SameGroupsAndActionsStillWork()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("parked");
        await DeadLetterWithErrorsAsync("jobs", [
            ("a", FailureText("System.TimeoutException", "call 17 timed out", "Shop.Api.Call(Int32 id) in /src/Api.cs:line 9")),
            ("b", FailureText("System.TimeoutException", "call 18 timed out", "Shop.Api.Call(Int32 id) in /src/Api.cs:line 9")),
            ("c", "refused by 10.1.2.3"),
            ("d", null),
        ]);
        var before = await Broker.GetDeadLetterGroupsAsync("dlq");

        await RestartAsync();

        var after = await Broker.GetDeadLetterGroupsAsync("dlq");
        Assert.Equal(before.Groups.Select(g => (g.GroupId, g.Count, g.FirstDeadLetteredAt, g.Fingerprint, g.Sample.MessageId, g.Sample.DeadLetter)),
            after.Groups.Select(g => (g.GroupId, g.Count, g.FirstDeadLetteredAt, g.Fingerprint, g.Sample.MessageId, g.Sample.DeadLetter)));
        var timeouts = Assert.Single(after.Groups, g => g.Source == FailureSource.ErrorDocument);
        Assert.Equal(2, timeouts.Count);

        var moved = await Broker.MoveDeadLetterGroupAsync("dlq", timeouts.GroupId, "parked");
        await RestartAsync();

        Assert.Equal(2, moved.Affected);
        Assert.Equal(timeouts.GroupId, Assert.Single((await Broker.GetDeadLetterGroupsAsync("parked")).Groups).GroupId);
        Assert.Equal(["c", "d"], (await AllMessagesAsync("dlq")).Select(Text));
        Assert.Equal(2, (await TotalAsync("dlq")));
        Assert.Equal(2, (await TotalAsync("parked")));
    }
}
