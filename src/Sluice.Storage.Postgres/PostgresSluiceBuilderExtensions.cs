using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Hosting;

namespace Sluice.Storage.Postgres;

/// <summary>Chooses the PostgreSQL store for <see cref="SluiceServiceCollectionExtensions.AddSluice"/>.</summary>
public static class PostgresSluiceBuilderExtensions
{
    /// <summary>Uses the PostgreSQL store on the database of <paramref name="connectionString"/> (schema <c>sluice</c>, created when missing).</summary>
    public static SluiceBuilder UsePostgres(this SluiceBuilder builder, string connectionString) =>
        builder.UsePostgres(new PostgresStoreOptions { ConnectionString = connectionString });

    /// <summary>Uses the PostgreSQL store with full options.</summary>
    public static SluiceBuilder UsePostgres(this SluiceBuilder builder, PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.UseStore((services, time) => new PostgresMessageStore(options, time, services.GetService<ILoggerFactory>()?.CreateLogger<PostgresMessageStore>()));
    }
}
