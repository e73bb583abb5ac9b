using Sluice.InMemory;
using Sluice.Storage;
using Sluice.Storage.Conformance;

namespace Sluice.Core.Tests;

/// <summary>The in-memory store against the stream conformance suite (not durable: no restart tests).</summary>
public sealed class InMemoryStreamConformanceTests : StreamConformanceTests
{
    protected override IMessageStore CreateStore(TimeProvider time) => new InMemoryMessageStore(time);
}
