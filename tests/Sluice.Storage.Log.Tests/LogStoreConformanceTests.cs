using Sluice.Storage.Conformance;

namespace Sluice.Storage.Log.Tests;

/// <summary>A log store in a fresh temporary directory per test, reopened by every restart; small segments and checkpoints so that both run in the suites.</summary>
internal sealed class LogStoreDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sluice-log-").FullName;

    public LogMessageStore Create(TimeProvider time) => new(Options(), time);

    public LogStoreOptions Options() => new()
    {
        Directory = Path,
        SegmentBytes = 256 * 1024,
        CheckpointBytes = 128 * 1024,
        ReserveBytes = 0,
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>The queue conformance suite (with restarts and the dead-letter group tests) on the log store.</summary>
public sealed class LogStoreConformanceTests : DurableBrokerConformanceTests
{
    private readonly LogStoreDirectory _directory = new();

    protected override IQueueStore CreateStore(TimeProvider time) => _directory.Create(time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The stream conformance suite (with restarts) on the log store.</summary>
public sealed class LogStoreStreamConformanceTests : DurableStreamConformanceTests
{
    private readonly LogStoreDirectory _directory = new();

    protected override IQueueStore CreateStore(TimeProvider time) => _directory.Create(time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The topic conformance suite (with restarts) on the log store.</summary>
public sealed class LogStoreTopicConformanceTests : DurableTopicConformanceTests
{
    private readonly LogStoreDirectory _directory = new();

    protected override IQueueStore CreateStore(TimeProvider time) => _directory.Create(time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The key-value conformance suite (with restarts) on the log store.</summary>
public sealed class LogStoreKeyValueConformanceTests : DurableKeyValueConformanceTests
{
    private readonly LogStoreDirectory _directory = new();

    protected override IQueueStore CreateStore(TimeProvider time) => _directory.Create(time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>Two brokers over one log store object: they wake each other through the store's in-process change feed.</summary>
public sealed class LogStoreTwoBrokerConformanceTests : TwoBrokerConformanceTests
{
    private readonly LogStoreDirectory _directory = new();

    protected override IQueueStore CreateStore(TimeProvider time) => _directory.Create(time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
