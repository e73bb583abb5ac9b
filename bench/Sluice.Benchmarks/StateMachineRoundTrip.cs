using BenchmarkDotNet.Attributes;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Benchmarks;

/// <summary>
/// The in-memory store as the log store's state machine: publish + receive + ack of 1 KiB messages called on the store
/// directly, one caller, no broker and no I/O. The log store runs every call through this state machine under its one
/// lock, so its cost per message bounds W5. <see cref="Hooks"/> <c>log</c> keeps bodies as a stored position and defers
/// body reads (as the log store does); <c>none</c> is the plain in-memory store (bodies copied into memory).
/// One operation = one message through its whole life.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 12)]
public class StateMachineRoundTrip
{
    private const int Messages = 64;
    private readonly byte[] _body = new byte[1024];
    private InMemoryMessageStore _store = null!;
    private OutgoingMessage[] _batch = null!;
    private string[] _handles = null!;

    /// <summary>Messages per publish, receive and ack call.</summary>
    [Params(1, 32)]
    public int Batch { get; set; }

    /// <summary><c>log</c>: a stored-position body and deferred reads; <c>none</c>: the default store.</summary>
    [Params("log", "none")]
    public string Hooks { get; set; } = "log";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Random.Shared.NextBytes(_body);
        long position = 0;
        _store = Hooks == "log"
            ? new InMemoryMessageStore(TimeProvider.System, new StateMachineHooks
            {
                StoreBody = (_, body) => new PositionBody(position += body.Length, body.Length),
                DeferBodyReads = true,
            })
            : new InMemoryMessageStore(TimeProvider.System);
        await _store.CreateQueueAsync("q", new QueueOptions()).ConfigureAwait(false);
        _batch = [.. Enumerable.Range(0, Batch).Select(_ => new OutgoingMessage(_body))];
        _handles = new string[Batch];
    }

    /// <summary>Publishes a batch, receives it and acks it, until <see cref="Messages"/> messages went through.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task PublishReceiveAck()
    {
        var timeout = TimeSpan.FromSeconds(30);
        for (var round = 0; round < Messages / Batch; round++)
        {
            await _store.PublishAsync("q", _batch).ConfigureAwait(false);
            var received = await _store.ReceiveAsync("q", Batch, timeout).ConfigureAwait(false);
            for (var i = 0; i < received.Messages.Count; i++)
            {
                _handles[i] = received.Messages[i].ReceiptHandle!;
            }

            await _store.AckAsync("q", _handles).ConfigureAwait(false);
        }
    }

    /// <summary>A body the state machine only knows the place and length of (the log store's LogBody).</summary>
    private sealed class PositionBody(long offset, int length) : StoredBody
    {
        public long Offset => offset;

        public override int Length => length;

        public override ReadOnlyMemory<byte> Read() => throw new InvalidOperationException("the state machine read a body while running a call");
    }
}
