using Sluice.InMemory;
using Sluice.Storage;
using Sluice.Storage.Conformance;

namespace Sluice.Core.Tests;

/// <summary>The in-memory store against the shared conformance suite (it is not durable: no restart tests).</summary>
public sealed class InMemoryConformanceTests : BrokerConformanceTests
{
    protected override IQueueStore CreateStore(TimeProvider time) => new InMemoryMessageStore(time);
}
