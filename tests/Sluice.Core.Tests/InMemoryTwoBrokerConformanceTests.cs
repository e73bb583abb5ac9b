using Sluice.InMemory;
using Sluice.Storage;
using Sluice.Storage.Conformance;

namespace Sluice.Core.Tests;

/// <summary>Two brokers over one in-memory store object: they wake each other through the store's in-process change feed.</summary>
public sealed class InMemoryTwoBrokerConformanceTests : TwoBrokerConformanceTests
{
    protected override IQueueStore CreateStore(TimeProvider time) => new InMemoryMessageStore(time);
}
