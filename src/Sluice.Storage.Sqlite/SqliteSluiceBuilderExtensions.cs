using Sluice.Hosting;

namespace Sluice.Storage.Sqlite;

/// <summary>Chooses the SQLite store for <see cref="SluiceServiceCollectionExtensions.AddSluice"/>.</summary>
public static class SqliteSluiceBuilderExtensions
{
    /// <summary>Uses the embedded SQLite store at <paramref name="path"/> (created when missing), fsync on.</summary>
    public static SluiceBuilder UseSqlite(this SluiceBuilder builder, string path) =>
        builder.UseSqlite(new SqliteStoreOptions { Path = path });

    /// <summary>Uses the embedded SQLite store with full options.</summary>
    public static SluiceBuilder UseSqlite(this SluiceBuilder builder, SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.UseStore((_, time) => new SqliteMessageStore(options, time));
    }
}
