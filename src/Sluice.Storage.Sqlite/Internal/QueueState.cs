namespace Sluice.Storage.Sqlite.Internal;

/// <summary>
/// The writer's view of one queue: its row id, options and the counters that make overflow checks O(1).
/// Owned by the writer thread; readers see <see cref="Info"/> through the published snapshot only.
/// </summary>
internal sealed class QueueState(long id, string name, QueueOptions options, DateTimeOffset createdAt)
{
    private QueueOptions _options = options;

    public long Id { get; } = id;

    public string Name { get; } = name;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public QueueOptions Options
    {
        get => _options;
        set
        {
            _options = value;
            Info = new QueueInfo(Name, value, CreatedAt);
        }
    }

    public QueueInfo Info { get; private set; } = new(name, options, createdAt);

    /// <summary>Messages in the queue, all states.</summary>
    public long Count { get; set; }

    /// <summary>Body bytes of the messages in the queue.</summary>
    public long Bytes { get; set; }
}

/// <summary>One undo step of the writer's in-memory state: a counter change or an arbitrary action.</summary>
internal readonly record struct JournalEntry(QueueState? Queue, long Count, long Bytes, Action? Undo);
