using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sluice.Server.Internal;

/// <summary>
/// Whether the server can take writes: the store accepts a probe write (<see cref="Broker.ProbeWriteAsync"/>) and the
/// data directory's volume has at least the configured free space. The result is kept for <see cref="CacheFor"/>, so a
/// busy probe schedule costs at most one store write per second.
/// </summary>
internal sealed class ReadinessCheck(Broker broker, TimeProvider time, string? dataDirectory, long minFreeDiskBytes, Func<string, long> freeDiskBytes)
    : IHealthCheck, IDisposable
{
    /// <summary>How long a result is reused: 1 second.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private HealthCheckResult _last;
    private long _checkedAt = long.MinValue;

    /// <summary>The free bytes of the volume holding <paramref name="path"/> (statvfs on Unix).</summary>
    public static long FreeDiskBytes(string path) => new DriveInfo(path).AvailableFreeSpace;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_checkedAt != long.MinValue && time.GetElapsedTime(_checkedAt) < CacheFor)
            {
                return _last;
            }

            _last = await CheckAsync(cancellationToken).ConfigureAwait(false);
            _checkedAt = time.GetTimestamp();
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (dataDirectory is not null && minFreeDiskBytes > 0)
        {
            long free;
            try
            {
                free = freeDiskBytes(dataDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return HealthCheckResult.Unhealthy($"cannot read the free space of the data directory '{dataDirectory}': {ex.Message}");
            }

            if (free < minFreeDiskBytes)
            {
                return HealthCheckResult.Unhealthy(
                    $"the data directory '{dataDirectory}' has {free} bytes free, under Sluice:Health:MinFreeDiskBytes ({minFreeDiskBytes}): free disk space or move the data");
            }
        }

        try
        {
            await broker.ProbeWriteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex)
        {
            return HealthCheckResult.Unhealthy($"the store cannot write ({ex.ErrorCode}): {ex.Message}");
        }
        catch (ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy("the store is closed: the server is stopping");
        }

        return HealthCheckResult.Healthy("the store accepts writes");
    }
}
