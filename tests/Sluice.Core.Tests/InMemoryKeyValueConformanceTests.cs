using Sluice.InMemory;
using Sluice.Storage;
using Sluice.Storage.Conformance;

namespace Sluice.Core.Tests;

/// <summary>The in-memory store against the key-value conformance suite (not durable: no restart tests).</summary>
public sealed class InMemoryKeyValueConformanceTests : KeyValueConformanceTests
{
    protected override IQueueStore CreateStore(TimeProvider time) => new InMemoryMessageStore(time);
}
