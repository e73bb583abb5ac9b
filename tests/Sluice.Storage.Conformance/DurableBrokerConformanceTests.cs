namespace Sluice.Storage.Conformance;

/// <summary>
/// The conformance suite for durable stores: everything in <see cref="BrokerConformanceTests"/> plus restart tests.
/// <see cref="BrokerConformanceTests.CreateStore"/> must reopen the same data on every call within one test.
/// </summary>
public abstract partial class DurableBrokerConformanceTests : BrokerConformanceTests
{
    /// <inheritdoc />
    protected sealed override bool IsDurable => true;
}
