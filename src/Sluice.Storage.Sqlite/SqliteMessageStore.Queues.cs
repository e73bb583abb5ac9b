using System.Text.Json;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    private QueueInfo ExecCreateQueue(string name, QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        QueueRules.CheckDeadLetterQueue(name, options, FindQueueInfo);
        if (_queues.TryGetValue(name, out var existing))
        {
            return QueueRules.CreateExisting(existing.Info, options);
        }

        var now = Now();
        using var cmd = Command("INSERT INTO queues(name, options, created_at) VALUES($name, $options, $now) RETURNING id;", "$name", "$options", "$now");
        Set(cmd, 0, name);
        Set(cmd, 1, JsonSerializer.Serialize(options, StoreJsonContext.Default.QueueOptions));
        Set(cmd, 2, now);
        var id = (long)cmd.ExecuteScalar()!;
        var q = new QueueState(id, name, options, Time.FromMs(now));
        _queues.Add(name, q);
        OnUndo(() => _queues.Remove(name));
        _queuesChanged = true;
        return q.Info;
    }

    private QueueInfo ExecUpdateQueue(string name, QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var q = RequireQueue(name);
        QueueRules.CheckDeadLetterQueue(name, options, FindQueueInfo);
        using var cmd = Command("UPDATE queues SET options = $options WHERE id = $id;", "$options", "$id");
        Set(cmd, 0, JsonSerializer.Serialize(options, StoreJsonContext.Default.QueueOptions));
        Set(cmd, 1, q.Id);
        cmd.ExecuteNonQuery();
        var old = q.Options;
        q.Options = options;
        OnUndo(() => q.Options = old);
        _queuesChanged = true;
        return q.Info;
    }

    private bool ExecDeleteQueue(string name)
    {
        var q = RequireQueue(name);
        QueueRules.CheckDeletable(name, _queues.Values.Where(u => u.Options.DeadLetterQueue == name).Select(u => u.Info.Name));
        using var cmd = Command("""
            DELETE FROM messages WHERE queue_id = $id;
            DELETE FROM dedup WHERE queue_id = $id;
            DELETE FROM queues WHERE id = $id;
            DELETE FROM subscriptions WHERE queue = $name;
            """, "$id", "$name");
        Set(cmd, 0, q.Id);
        Set(cmd, 1, name);
        cmd.ExecuteNonQuery();
        RemoveSubscriptionsOf(name);
        _queues.Remove(name);
        OnUndo(() => _queues.Add(name, q));
        _queuesChanged = true;
        return true;
    }

    /// <summary>A queue's description, or <see langword="null"/>; on the writer thread, inside its transaction.</summary>
    private QueueInfo? FindQueueInfo(string name) => _queues.TryGetValue(name, out var q) ? q.Info : null;
}
