namespace Sluice.Storage.Postgres;

/// <summary>Options of the PostgreSQL store.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>
    /// The Npgsql connection string of the database (for example <c>Host=db;Database=sluice;Username=sluice;Password=...</c>).
    /// Required. The user needs to create a schema and tables in that database on the first start (the store migrates
    /// its schema itself). Pooling options of the string apply: the store opens one pooled connection per operation.
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// The PostgreSQL schema that holds the store's tables, created when missing. Default <c>sluice</c>; 1 to 63
    /// characters from a-z 0-9 _, not starting with a digit. Several Sluice clusters can share one database with
    /// one schema each.
    /// </summary>
    public string Schema { get; init; } = "sluice";

    /// <summary>
    /// How many times one operation is run again, each in a new transaction, when PostgreSQL reports a conflict it
    /// resolves by aborting one side (a deadlock, a serialization failure, two nodes claiming the same deduplication
    /// id or queue name at once). Default 5; 0 to 100. When they are used up the operation fails with
    /// <see cref="ErrorCodes.Unavailable"/> (transient).
    /// </summary>
    public int MaxConflictRetries { get; init; } = 5;
}
