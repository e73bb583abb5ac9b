using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sluice.Hosting;
using Sluice.InMemory;

namespace Sluice.Core.Tests;

public class AddSluiceTests
{
    [Fact]
    public async Task AddSluice_Default_ResolvesOneBrokerOnTheRegisteredClock()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).AddSluice();
        await using var provider = services.BuildServiceProvider();
        var broker = provider.GetRequiredService<Broker>();
        Assert.Same(broker, provider.GetRequiredService<Broker>());
        Assert.IsType<InMemoryMessageStore>(broker.Store);
        await broker.StartAsync();
        await broker.CreateQueueAsync("q");
        Assert.Equal(time.GetUtcNow(), (await broker.GetQueueAsync("q")).CreatedAt);
    }

    [Fact]
    public void AddSluice_BadBrokerOptions_ThrowsAtRegistration() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddSluice(b => b.BrokerOptions = new BrokerOptions { MaxWaitTime = TimeSpan.FromHours(1) }));
}
