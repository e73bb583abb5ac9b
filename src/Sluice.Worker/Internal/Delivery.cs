namespace Sluice.Worker.Internal;

/// <summary>One delivered job message and the heartbeats holding its lease, from delivery until it is settled once.</summary>
internal sealed class Delivery(string queue, QueueMessage message, LeaseKeeper keeper)
{
    private readonly Lock _lock = new();
    private Task? _stopped;
    private int _settled;

    public string Queue { get; } = queue;

    public QueueMessage Message { get; } = message;

    public LeaseKeeper Keeper { get; } = keeper;

    public string ReceiptHandle => Message.ReceiptHandle!;

    /// <summary>Claims the one settlement (ack, nack or dead-letter) of this delivery; false when it was claimed already.</summary>
    public bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;

    /// <summary>Stops the heartbeats (idempotent).</summary>
    public Task StopHeartbeatsAsync()
    {
        lock (_lock)
        {
            return _stopped ??= Keeper.DisposeAsync().AsTask();
        }
    }
}
