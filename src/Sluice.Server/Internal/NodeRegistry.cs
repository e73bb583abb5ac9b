using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Sluice.Contracts;
using Sluice.Storage;

namespace Sluice.Server.Internal;

/// <summary>
/// The cluster's node registry: each node keeps one record under <c>$sluice/nodes/&lt;node-id&gt;</c> in the shared
/// store's key-value records (written through the store, not the user-facing key-value API), renewed every heartbeat
/// interval with a time-to-live of <see cref="Hosting.SluiceServerOptions.NodeRecordHeartbeats"/> intervals, and deleted on
/// a clean stop; a node that died disappears when its record expires. Without a shared store (the embedded stores)
/// the registry is this node alone, kept in memory.
/// </summary>
internal sealed class NodeRegistry : IAsyncDisposable
{
    /// <summary>The reserved key prefix of node records.</summary>
    public const string KeyPrefix = "$sluice/nodes/";

    private readonly IKeyValueStore? _shared;
    private readonly string _store;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private NodeRecord? _record;
    private long _version;
    private Task? _heartbeats;
    private int _stopped;

    public NodeRegistry(IKeyValueStore? shared, string store, string? nodeId, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _shared = shared;
        _store = store;
        _interval = interval;
        _timeToLive = interval * Hosting.SluiceServerOptions.NodeRecordHeartbeats;
        _time = time;
        _logger = logger;
        NodeId = nodeId ?? Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 6));
    }

    /// <summary>This node's id.</summary>
    public string NodeId { get; }

    private string Key => KeyPrefix + NodeId;

    /// <summary>The server's version (the informational version of Sluice.Server, without the source revision).</summary>
    public static string Version { get; } =
        (typeof(NodeRegistry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
         ?? typeof(NodeRegistry).Assembly.GetName().Version?.ToString() ?? "0.0.0").Split('+')[0];

    /// <summary>Registers this node (listening at <paramref name="urls"/>) and starts the heartbeats.</summary>
    /// <exception cref="InvalidOperationException">Another live node holds this node id.</exception>
    /// <exception cref="SluiceException">The store is unavailable.</exception>
    public async Task StartAsync(IReadOnlyList<Uri> urls, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        _record = new NodeRecord(NodeId, Environment.MachineName, Environment.ProcessId,
            [.. urls.Select(u => u.GetLeftPart(UriPartial.Authority))], Version, now, now);
        if (_shared is null)
        {
            return;
        }

        var existing = await _shared.GetKeyValueAsync(Key, cancellationToken).ConfigureAwait(false);
        long expected = 0;
        if (existing is not null)
        {
            var holder = Parse(existing);
            if (holder is not null && !(holder.HostName == Environment.MachineName && !ProcessRuns(holder.ProcessId)))
            {
                throw new InvalidOperationException(
                    $"setting Sluice:NodeId '{NodeId}' is in use by a live node (host {holder.HostName}, process {holder.ProcessId}, " +
                    $"last heartbeat {holder.LastHeartbeat:O}): give this server another node id (flag --node-id), or wait until that record expires " +
                    $"({_timeToLive.TotalSeconds:0.#} seconds after its last heartbeat)");
            }

            // The record of a process of this machine that died (a restart after kill -9 with the same node id): take it over.
            expected = existing.Version;
        }

        var written = await _shared.SetKeyValueAsync(Key, Serialize(_record), expected, _timeToLive, cancellationToken).ConfigureAwait(false);
        _version = written.Version;
        Log.NodeJoined(_logger, NodeId, _store, _interval.TotalSeconds);
        _heartbeats = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
    }

    /// <summary>The live nodes, ordered by node id.</summary>
    /// <exception cref="SluiceException">unavailable (transient): the store is unreachable, or this node has not registered yet.</exception>
    public async Task<ClusterResponse> ListAsync(CancellationToken cancellationToken)
    {
        // Kestrel answers a moment before the node has registered (it registers once every face listens).
        var self = _record ?? throw new SluiceException(ErrorCodes.Unavailable,
            "this server is starting and has not joined the node registry yet: retry in a moment", null, isTransient: true);
        if (_shared is null)
        {
            return new ClusterResponse(_store, NodeId, [ToResponse(self with { LastHeartbeat = _time.GetUtcNow() }, null)]);
        }

        var nodes = new List<ClusterNodeResponse>();
        string? after = null;
        do
        {
            var page = await _shared.ListKeyValuesAsync(KeyPrefix, after, KeyValueRules.MaxListLimit, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                if (Parse(record) is { } node)
                {
                    nodes.Add(ToResponse(node, record.ExpiresAt));
                }
            }

            after = page.NextAfter;
        }
        while (after is not null);

        nodes.Sort((a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
        return new ClusterResponse(_store, NodeId, nodes);
    }

    /// <summary>Stops the heartbeats and deletes this node's record (best effort: an unreachable store lets it expire). Idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeats is null || _shared is null)
        {
            return;
        }

        await _heartbeats.ConfigureAwait(false);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
            await _shared.DeleteKeyValueAsync(Key, Interlocked.Read(ref _version), deadline.Token).ConfigureAwait(false);
            Log.NodeLeft(_logger, NodeId);
        }
        catch (Exception ex) when (ex is SluiceException or OperationCanceledException)
        {
            // Unreachable store or a record already gone or taken over: it expires by itself.
            Log.HeartbeatFailed(_logger, NodeId, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(_interval, _time);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await HeartbeatAsync(_stopping.Token).ConfigureAwait(false);
                    if (failing)
                    {
                        Log.HeartbeatRecovered(_logger, NodeId);
                        failing = false;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    if (!failing)
                    {
                        Log.HeartbeatFailed(_logger, NodeId, ex.Message);
                        failing = true;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var record = _record! with { LastHeartbeat = _time.GetUtcNow() };
        var value = Serialize(record);
        KeyValueRecord written;
        try
        {
            written = await _shared!.SetKeyValueAsync(Key, value, Interlocked.Read(ref _version), _timeToLive, cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
        {
            // The record expired (the store was unreachable for longer than its time-to-live): write it anew. Any other
            // holder of this id is a node started meanwhile with the same configured id: keep out of its way.
            written = await _shared!.SetKeyValueAsync(Key, value, 0, _timeToLive, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Exchange(ref _version, written.Version);
    }

    private ClusterNodeResponse ToResponse(NodeRecord node, DateTimeOffset? expiresAt) =>
        new(node.NodeId, node.HostName, node.ProcessId, node.Urls, node.Version, node.StartedAt, node.LastHeartbeat, expiresAt,
            string.Equals(node.NodeId, NodeId, StringComparison.Ordinal));

    private static byte[] Serialize(NodeRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, NodeRecordJson.Default.NodeRecord);

    private static NodeRecord? Parse(KeyValueRecord record)
    {
        try
        {
            return JsonSerializer.Deserialize(record.Value.Span, NodeRecordJson.Default.NodeRecord);
        }
        catch (JsonException)
        {
            // Not a node record (written by a newer version in another shape, or damaged): not listed.
            return null;
        }
    }

    private static bool ProcessRuns(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>A node's record in the registry, stored as JSON.</summary>
internal sealed record NodeRecord(
    string NodeId,
    string HostName,
    int ProcessId,
    IReadOnlyList<string> Urls,
    string Version,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NodeRecord))]
internal sealed partial class NodeRecordJson : JsonSerializerContext;
