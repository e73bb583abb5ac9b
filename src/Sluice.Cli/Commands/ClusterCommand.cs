using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice cluster</c>: the live nodes of the cluster (<c>GET /v1/cluster</c>; docs/cluster.md).</summary>
internal static class ClusterCommand
{
    public static Command Create(CliContext context)
    {
        var command = context.ClientCommand("cluster", "List the cluster's live nodes (one node on the embedded stores); * marks the node that answered.");
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var cluster = await client.GetClusterAsync(ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(cluster, OutputJsonContext.Default.ClusterResponse).ConfigureAwait(false);
            }
            else
            {
                context.CreateConsole().Write(BuildTable(cluster));
            }

            return 0;
        }, ct));
        return command;
    }

    internal static Table BuildTable(ClusterResponse cluster)
    {
        var table = new Table()
            .AddColumn("node")
            .AddColumn("host")
            .AddColumn(new TableColumn("pid").RightAligned())
            .AddColumn("urls")
            .AddColumn("version")
            .AddColumn("started")
            .AddColumn("last heartbeat");
        foreach (var n in cluster.Nodes)
        {
            table.AddRow(
                Format.Cell(n.Self ? n.NodeId + " *" : n.NodeId), Format.Cell(n.HostName), n.ProcessId.ToString(CultureInfo.InvariantCulture),
                Format.Cell(string.Join(' ', n.Urls)), Format.Cell(n.Version),
                Format.Cell(n.StartedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)),
                Format.Cell(n.LastHeartbeat.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)));
        }

        table.Caption($"store {Format.Cell(cluster.Store)}, {cluster.Nodes.Count} live node{(cluster.Nodes.Count == 1 ? "" : "s")}");
        return table;
    }
}
