using System.Text;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Background maintenance once per cluster: every <see cref="BrokerOptions.SweepInterval"/> each broker tries to take
/// (or renew) the maintenance lease, the key-value record <see cref="KeyValueRules.ReservedPrefix"/><c>maintenance</c>
/// naming its node, with a compare-and-set and a time-to-live of three sweep intervals; only the holder sweeps
/// (<see cref="SweepAsync"/>). When the holder stops or dies its lease expires and another broker takes it. Every
/// broker, holder or not, resumes redrive tasks whose runner's lease expired.
/// </summary>
public sealed partial class Broker
{
    private const string MaintenanceKey = KeyValueRules.ReservedPrefix + "maintenance";

    /// <summary>The version of this broker's maintenance lease record; 0 while it does not hold it.</summary>
    private long _maintenanceVersion;

    private async Task SweepLoopAsync(PeriodicTimer timer)
    {
        using (timer)
        {
            try
            {
                await ResumeRedrivesAsync(_stopping.Token).ConfigureAwait(false);
                while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
                {
                    try
                    {
                        if (await TakeMaintenanceLeaseAsync(_stopping.Token).ConfigureAwait(false))
                        {
                            await SweepAsync(_stopping.Token).ConfigureAwait(false);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.SweepFailed(_logger, ex);
                    }

                    await ResumeRedrivesAsync(_stopping.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }

            await ReleaseMaintenanceLeaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the maintenance lease when it is free (no live record) or renews it when this broker holds it, with a
    /// compare-and-set; returns whether this broker holds it now (and so sweeps).
    /// </summary>
    private async ValueTask<bool> TakeMaintenanceLeaseAsync(CancellationToken cancellationToken)
    {
        var records = Records;
        var held = await records.GetKeyValueAsync(MaintenanceKey, cancellationToken).ConfigureAwait(false);
        if (held is not null && Encoding.UTF8.GetString(held.Value.Span) is var holder && holder != _nodeId)
        {
            Volatile.Write(ref _maintenanceVersion, 0);
            Log.MaintenanceSkipped(_logger, _nodeId, holder);
            return false;
        }

        try
        {
            var written = await records.SetKeyValueAsync(MaintenanceKey, Encoding.UTF8.GetBytes(_nodeId), held?.Version ?? 0,
                Options.SweepInterval * 3, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _maintenanceVersion, written.Version);
            Log.MaintenanceHeld(_logger, _nodeId);
            return true;
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
        {
            // Another broker took (or renewed) it first.
            Volatile.Write(ref _maintenanceVersion, 0);
            Log.MaintenanceSkipped(_logger, _nodeId, "(another node)");
            return false;
        }
    }

    /// <summary>Deletes this broker's maintenance lease when it stops, so another broker takes over at its next interval; errors are ignored (the lease then expires).</summary>
    private async ValueTask ReleaseMaintenanceLeaseAsync()
    {
        var version = Volatile.Read(ref _maintenanceVersion);
        if (version == 0)
        {
            return;
        }

        try
        {
            await Records.DeleteKeyValueAsync(MaintenanceKey, version, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SluiceException)
        {
            // Taken over already, or the store is gone: the record expires by itself.
        }
        catch (InvalidOperationException)
        {
            // The store was closed under the broker.
        }
    }
}
