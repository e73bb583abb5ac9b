namespace Sluice.Storage.Sqlite;

/// <summary>
/// The embedded durable store: one SQLite database in WAL mode; one writer groups concurrent operations into one
/// transaction and one fsync (group commit); an operation completes only after its commit.
/// </summary>
public sealed partial class SqliteMessageStore : IMessageStore
{
    // Skeleton: the implementation lands with the SQLite store work (branch sqlite).
}
