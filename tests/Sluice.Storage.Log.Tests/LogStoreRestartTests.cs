using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Sluice.Storage.Log.Tests;

/// <summary>What a store opened from a log left by a crash (no checkpoint at close) answers.</summary>
public sealed class LogStoreRestartTests : IDisposable
{
    private readonly LogStoreDirectory _directory = new();
    private readonly string _copy = Directory.CreateTempSubdirectory("sluice-log-crash-").FullName;

    public void Dispose()
    {
        _directory.Dispose();
        Directory.Delete(_copy, recursive: true);
    }

    [Fact]
    public async Task Receive_AfterReplayWithoutCheckpoint_ZeroVisibilityDeliversEachMessageOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = _directory.Options() with { CheckpointBytes = long.MaxValue };
        await using (var store = new LogMessageStore(options, time))
        {
            await store.InitializeAsync();
            await store.CreateQueueAsync("before", new QueueOptions());
            await store.PublishAsync("before", [.. Enumerable.Range(0, 3).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"b{i}")))]);
            Assert.Equal(3, (await store.ReceiveAsync("before", 10, TimeSpan.Zero)).Messages.Count);
            foreach (var file in Directory.GetFiles(options.Directory, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "lock"))
            {
                var destination = Path.Combine(_copy, Path.GetRelativePath(options.Directory, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
        }

        time.Advance(TimeSpan.FromSeconds(3));
        await using var reopened = new LogMessageStore(options with { Directory = _copy }, time);
        await reopened.InitializeAsync();
        await reopened.CreateQueueAsync("after", new QueueOptions());
        await reopened.PublishAsync("after", [.. Enumerable.Range(0, 3).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"a{i}")))]);
        var received = await reopened.ReceiveAsync("after", 10, TimeSpan.Zero);
        Assert.Equal(["a0", "a1", "a2"], received.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)).Order(StringComparer.Ordinal));
    }
}

