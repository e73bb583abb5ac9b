using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Hosting;

namespace Sluice.Storage.Log;

/// <summary>Chooses the log-structured store for <see cref="SluiceServiceCollectionExtensions.AddSluice"/>.</summary>
public static class LogSluiceBuilderExtensions
{
    /// <summary>Uses the log-structured store in <paramref name="directory"/> (created when missing), fsync on.</summary>
    /// <param name="builder">The Sluice builder.</param>
    /// <param name="directory">Directory of the store's segments and checkpoints.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static SluiceBuilder UseLogStore(this SluiceBuilder builder, string directory) =>
        builder.UseLogStore(new LogStoreOptions { Directory = directory });

    /// <summary>Uses the log-structured store with full options; it logs through the registered <see cref="ILoggerFactory"/>, when there is one.</summary>
    /// <param name="builder">The Sluice builder.</param>
    /// <param name="options">The store's options.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static SluiceBuilder UseLogStore(this SluiceBuilder builder, LogStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.UseStore((services, time) =>
            new LogMessageStore(options, time, services.GetService<ILoggerFactory>()?.CreateLogger<LogMessageStore>()));
    }
}
