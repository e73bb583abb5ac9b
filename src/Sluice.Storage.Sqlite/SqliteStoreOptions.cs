namespace Sluice.Storage.Sqlite;

/// <summary>Options of the embedded SQLite store.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>Path of the database file (created with its directory when missing). Required.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// When <see langword="true"/> (default), every commit is fsynced before operations in it are acknowledged
    /// (SQLite <c>synchronous=FULL</c>). <see langword="false"/> is the <c>relaxed</c> mode (<c>synchronous=NORMAL</c>):
    /// a power loss may lose the last commits, a process crash does not.
    /// </summary>
    public bool Fsync { get; init; } = true;

    /// <summary>Most operations grouped into one transaction (group commit). Default 1,024; 1 to 65,536.</summary>
    public int MaxOperationsPerCommit { get; init; } = 1024;

    /// <summary>SQLite page cache per connection, in bytes. Default 16 MiB.</summary>
    public long CacheSize { get; init; } = 16 * 1024 * 1024;
}
