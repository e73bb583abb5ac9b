namespace Sluice.Contracts;

/// <summary>The live nodes of the cluster (<c>GET /v1/cluster</c>; docs/cluster.md).</summary>
/// <param name="Store">The store the nodes share: <c>postgres</c> for a cluster; <c>log</c>, <c>sqlite</c> or <c>memory</c> for a single server.</param>
/// <param name="AnsweredBy">The node id of the server that answered this request.</param>
/// <param name="Nodes">
/// Every live node (its record renewed within its time-to-live), ordered by node id. On the embedded stores, only the
/// answering server.
/// </param>
public sealed record ClusterResponse(string Store, string AnsweredBy, IReadOnlyList<ClusterNodeResponse> Nodes);

/// <summary>One node of the cluster, as it registered itself.</summary>
/// <param name="NodeId">The node id (setting <c>Sluice:NodeId</c>, else random at each start).</param>
/// <param name="HostName">The machine's host name.</param>
/// <param name="ProcessId">The server's process id on that machine.</param>
/// <param name="Urls">Where the node listens: the REST API, then gRPC and RESP when enabled (absolute URLs).</param>
/// <param name="Version">The server's version.</param>
/// <param name="StartedAt">When the node started (ISO-8601 UTC).</param>
/// <param name="LastHeartbeat">When the node last renewed its record (ISO-8601 UTC).</param>
/// <param name="ExpiresAt">When the record expires unless renewed (ISO-8601 UTC); null on the embedded stores.</param>
/// <param name="Self">Whether this node answered the request.</param>
public sealed record ClusterNodeResponse(
    string NodeId,
    string HostName,
    int ProcessId,
    IReadOnlyList<string> Urls,
    string Version,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset? ExpiresAt,
    bool Self);
