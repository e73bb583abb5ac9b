namespace Sluice.Storage.Conformance;

/// <summary>
/// Topology changes that read other queues (dead-letter queue exists, no cycle, in use, create-if-equal) are decided
/// in the store's transaction with their write: racing changes through two brokers (two nodes) never both pass.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    private const int Rounds = 20;

    /// <summary>Runs <paramref name="action"/> on the thread pool and returns its error, or <see langword="null"/> when it succeeded.</summary>
    private static Task<SluiceException?> Outcome(Func<Task> action) => Task.Run(async () =>
    {
        try
        {
            await action();
            return null;
        }
        catch (SluiceException ex)
        {
            return ex;
        }
    });

    [Fact]
    public async Task UpdateQueue_ConcurrentAToBAndBToAOnTwoBrokers_ExactlyOneSucceedsAndNoCycleExists()
    {
        var peer = await StartPeerAsync();
        for (var round = 0; round < Rounds; round++)
        {
            string a = $"a{round}", b = $"b{round}";
            await CreateQueueAsync(a);
            await CreateQueueAsync(b);

            var outcomes = await Task.WhenAll(
                Outcome(() => Broker.UpdateQueueAsync(a, new QueueOptions { DeadLetterQueue = b }).AsTask()),
                Outcome(() => peer.UpdateQueueAsync(b, new QueueOptions { DeadLetterQueue = a }).AsTask()));

            var failure = Assert.Single(outcomes, o => o is not null)!;
            Assert.Equal(ErrorCodes.InvalidArgument, failure.ErrorCode);
            Assert.Equal("deadLetterQueue", failure.Field);
            var (infoA, infoB) = (await Broker.GetQueueAsync(a), await Broker.GetQueueAsync(b));
            Assert.False(infoA.Options.DeadLetterQueue == b && infoB.Options.DeadLetterQueue == a, $"round {round}: {a} and {b} name each other");
            Assert.True(infoA.Options.DeadLetterQueue == b || infoB.Options.DeadLetterQueue == a, $"round {round}: neither update took effect");
        }
    }

    [Fact]
    public async Task DeleteQueue_RacingAnUpdateNamingItAsDeadLetterQueue_NeverLeavesADeadLetterQueueThatDoesNotExist()
    {
        var peer = await StartPeerAsync();
        for (var round = 0; round < Rounds; round++)
        {
            string dlq = $"dlq{round}", jobs = $"jobs{round}";
            await CreateQueueAsync(dlq);
            await CreateQueueAsync(jobs);

            var outcomes = await Task.WhenAll(
                Outcome(() => peer.DeleteQueueAsync(dlq).AsTask()),
                Outcome(() => Broker.UpdateQueueAsync(jobs, new QueueOptions { DeadLetterQueue = dlq }).AsTask()));

            var (deleteError, updateError) = (outcomes[0], outcomes[1]);
            Assert.True(deleteError is null ^ updateError is null, $"round {round}: delete {deleteError?.ErrorCode ?? "ok"}, update {updateError?.ErrorCode ?? "ok"}");
            Assert.Equal(deleteError is null ? ErrorCodes.QueueNotFound : ErrorCodes.QueueInUse, (deleteError ?? updateError)!.ErrorCode);
            var named = (await Broker.GetQueueAsync(jobs)).Options.DeadLetterQueue;
            Assert.True(named is null || await Broker.FindQueueAsync(named) is not null, $"round {round}: '{jobs}' names '{named}', which does not exist");
        }
    }

    [Fact]
    public async Task CreateQueue_ConcurrentCreatesWithEqualOptionsOnTwoBrokers_BothReturnTheOneQueue()
    {
        var peer = await StartPeerAsync();
        var options = new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(45) };
        for (var round = 0; round < Rounds; round++)
        {
            var name = $"q{round}";
            var created = await Task.WhenAll(
                Task.Run(async () => await Broker.CreateQueueAsync(name, options)),
                Task.Run(async () => await peer.CreateQueueAsync(name, options)));

            Assert.Equal(created[0], created[1]);
            Assert.Equal(created[0], await Broker.GetQueueAsync(name));
        }
    }

    [Fact]
    public async Task CreateQueue_ConcurrentCreatesWithDifferentOptionsOnTwoBrokers_OneThrowsQueueAlreadyExists()
    {
        var peer = await StartPeerAsync();
        QueueOptions first = new() { VisibilityTimeout = TimeSpan.FromSeconds(45) }, second = new() { VisibilityTimeout = TimeSpan.FromSeconds(50) };
        for (var round = 0; round < Rounds; round++)
        {
            var name = $"q{round}";
            var outcomes = await Task.WhenAll(
                Outcome(() => Broker.CreateQueueAsync(name, first).AsTask()),
                Outcome(() => peer.CreateQueueAsync(name, second).AsTask()));

            var failure = Assert.Single(outcomes, o => o is not null)!;
            Assert.Equal(ErrorCodes.QueueAlreadyExists, failure.ErrorCode);
            Assert.Equal(outcomes[0] is null ? first : second, (await Broker.GetQueueAsync(name)).Options);
        }
    }

    [Fact]
    public async Task CreateQueue_DeadLetterChainLeadsBackThroughAnotherBroker_ThrowsInvalidArgument()
    {
        var peer = await StartPeerAsync();
        await CreateQueueAsync("c");
        await peer.CreateQueueAsync("b", new QueueOptions { DeadLetterQueue = "c" });
        await CreateQueueAsync("a", new QueueOptions { DeadLetterQueue = "b" });

        var ex = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => peer.UpdateQueueAsync("c", new QueueOptions { DeadLetterQueue = "a" }).AsTask());

        Assert.Equal("deadLetterQueue", ex.Field);
        Assert.Contains("leads back to 'c'", ex.Message, StringComparison.Ordinal);
        Assert.Null((await Broker.GetQueueAsync("c")).Options.DeadLetterQueue);
    }
}
