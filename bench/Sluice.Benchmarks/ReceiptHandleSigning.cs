using BenchmarkDotNet.Attributes;
using Sluice.Storage;

namespace Sluice.Benchmarks;

/// <summary>
/// What signed receipt handles cost per message, with allocations: the broker signs each handle a store issued (on
/// every receive) and verifies each handle a client sends (on every ack, nack, extend) before the store sees it; the
/// unsigned store form's issue and parse are the baseline. Run: <c>--filter *ReceiptHandleSigning* --memory</c>.
/// </summary>
[MemoryDiagnoser]
public class ReceiptHandleSigning
{
    private static readonly QueueInfo Jobs = new("jobs", new QueueOptions(), DateTimeOffset.UnixEpoch.AddYears(56));
    private readonly ReceiptHandleKey _key = ReceiptHandleKey.CreateRandom();
    private string _storeHandle = "";
    private string _signed = "";

    [GlobalSetup]
    public void Setup()
    {
        _storeHandle = ReceiptHandle.Issue(Jobs, 123_456_789, 3);
        _signed = _key.Sign(_storeHandle);
    }

    /// <summary>The store's unsigned handle, as every store issues it on a receive.</summary>
    [Benchmark(Baseline = true)]
    public string IssueUnsigned() => ReceiptHandle.Issue(Jobs, 123_456_789, 3);

    /// <summary>The store's handle parsed and checked against its queue, as a store does on an ack.</summary>
    [Benchmark]
    public ReceiptHandle ParseUnsigned() => ReceiptHandle.Parse(_storeHandle, Jobs);

    /// <summary>A receive: the store's handle signed for the client.</summary>
    [Benchmark]
    public string Sign() => _key.Sign(_storeHandle);

    /// <summary>An ack: the client's handle verified and turned back into the store's form.</summary>
    [Benchmark]
    public string VerifyToStoreForm() => _key.Verify(_signed, Jobs).ToString();
}
