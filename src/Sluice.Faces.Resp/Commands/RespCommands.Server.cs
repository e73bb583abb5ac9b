using System.Globalization;
using System.Reflection;
using System.Text;
using Sluice.Faces.Resp.Internal;
using static Sluice.Faces.Resp.Commands.RespArgs;

namespace Sluice.Faces.Resp.Commands;

internal static partial class RespCommands
{
    private static readonly string SluiceVersion =
        typeof(RespCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>COMMAND, COMMAND COUNT|LIST|INFO|DOCS: what clients read at start (Redis 7's ten-field command info).</summary>
    private static ValueTask Command(RespSession s, byte[][] a)
    {
        var table = s.Server.Commands.Commands;
        var r = s.Reply;
        if (a.Length == 1)
        {
            r.Array(table.Count);
            foreach (var spec in table.Values)
                WriteCommandInfo(r, spec);
            return default;
        }
        switch (Text(a[1]).ToLowerInvariant())
        {
            case "count":
                Arity(a, 2, "command|count");
                r.Integer(table.Count);
                break;
            case "list":
                r.Array(table.Count);
                foreach (var name in table.Keys)
                    r.Bulk(name);
                break;
            case "info":
                if (a.Length == 2)
                {
                    r.Array(table.Count);
                    foreach (var spec in table.Values)
                        WriteCommandInfo(r, spec);
                    break;
                }
                r.Array(a.Length - 2);
                for (var i = 2; i < a.Length; i++)
                {
                    if (table.TryGetValue(Text(a[i]), out var spec))
                        WriteCommandInfo(r, spec);
                    else
                        r.NullArray();
                }
                break;
            case "docs":
                var specs = a.Length == 2 ? table.Values.ToList() :
                    a.Skip(2).Select(x => table.GetValueOrDefault(Text(x))).OfType<RespCommandSpec>().ToList();
                r.Map(specs.Count);
                foreach (var spec in specs)
                {
                    r.Bulk(spec.Name);
                    r.Map(3);
                    r.Bulk("summary"u8);
                    r.Bulk(spec.Summary);
                    r.Bulk("since"u8);
                    r.Bulk("1.0.0"u8);
                    r.Bulk("group"u8);
                    r.Bulk(spec.Name.StartsWith('x') ? "stream" : spec.KeyStep > 0 ? "generic" : "server");
                }
                break;
            case "help":
                Arity(a, 2, "command|help");
                r.Array(2);
                r.SimpleString("COMMAND [<subcommand> [<arg> ...]]. Subcommands are: COUNT, LIST, INFO [<name> ...], DOCS [<name> ...].");
                r.SimpleString("HELP: this text.");
                break;
            default:
                throw new RespErrorException($"ERR unknown subcommand '{Truncate(Text(a[1]))}'. Try COMMAND HELP.");
        }
        return default;
    }

    private static void WriteCommandInfo(Protocol.RespReplyWriter r, RespCommandSpec spec)
    {
        r.Array(10);
        r.Bulk(spec.Name);
        r.Integer(spec.Arity);
        var flags = new List<string>();
        if ((spec.Flags & RespCommandFlags.Write) != 0)
            flags.Add("write");
        if ((spec.Flags & RespCommandFlags.ReadOnly) != 0)
            flags.Add("readonly");
        if ((spec.Flags & RespCommandFlags.Admin) != 0)
            flags.Add("admin");
        if ((spec.Flags & RespCommandFlags.NoAuth) != 0)
            flags.Add("no_auth");
        if ((spec.Flags & RespCommandFlags.Blocking) != 0)
            flags.Add("blocking");
        if ((spec.Flags & RespCommandFlags.Fast) != 0)
            flags.Add("fast");
        r.Set(flags.Count);
        foreach (var flag in flags)
            r.SimpleString(flag);
        r.Integer(spec.FirstKey);
        r.Integer(spec.LastKey);
        r.Integer(spec.KeyStep);
        r.Set(0);
        r.Array(0);
        r.Array(0);
        r.Array(0);
    }

    /// <summary>INFO [section ...]: server, clients, stats, replication, keyspace (default, all and everything give them all).</summary>
    private static async ValueTask Info(RespSession s, byte[][] a)
    {
        var wanted = a.Skip(1).Select(x => Text(x).ToLowerInvariant()).ToHashSet();
        var all = wanted.Count == 0 || wanted.Overlaps(["default", "all", "everything"]);
        var server = s.Server;
        var text = new StringBuilder();
        void Section(string name, Action body)
        {
            if (!all && !wanted.Contains(name))
                return;
            if (text.Length > 0)
                text.Append("\r\n");
            text.Append("# ").Append(char.ToUpperInvariant(name[0])).Append(name.AsSpan(1)).Append("\r\n");
            body();
        }
        void Line(string key, object value) =>
            text.Append(key).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append("\r\n");

        var now = server.Time.GetUtcNow();
        Section("server", () =>
        {
            Line("redis_version", RedisVersion);
            Line("sluice_version", SluiceVersion);
            Line("redis_mode", "standalone");
            Line("os", Environment.OSVersion.VersionString);
            Line("arch_bits", IntPtr.Size * 8);
            Line("process_id", Environment.ProcessId);
            Line("tcp_port", s.LocalPort);
            Line("uptime_in_seconds", (long)(now - server.StartedAt).TotalSeconds);
            Line("uptime_in_days", (long)(now - server.StartedAt).TotalDays);
        });
        Section("clients", () =>
        {
            Line("connected_clients", server.ConnectedClients);
            Line("maxclients", server.Options.MaxConnections);
            Line("blocked_clients", server.BlockedClients);
        });
        Section("stats", () =>
        {
            Line("total_connections_received", server.ConnectionsReceived);
            Line("total_commands_processed", server.CommandsProcessed);
            Line("rejected_connections", server.RejectedConnections);
        });
        Section("replication", () =>
        {
            Line("role", "master");
            Line("connected_slaves", 0);
        });
        if (all || wanted.Contains("keyspace"))
        {
            var keys = await CountKeysAsync(s).ConfigureAwait(false);
            Section("keyspace", () =>
            {
                if (keys > 0)
                    Line("db0", FormattableString.Invariant($"keys={keys},expires=0,avg_ttl=0"));
            });
        }
        s.Reply.Verbatim(text.ToString());
    }

    private static async ValueTask DbSize(RespSession s, byte[][] a) => s.Reply.Integer(await CountKeysAsync(s).ConfigureAwait(false));

    /// <summary>FLUSHDB / FLUSHALL [ASYNC|SYNC]: deletes every stream (the one database).</summary>
    private static async ValueTask FlushDb(RespSession s, byte[][] a)
    {
        if (a.Length > 2 || (a.Length == 2 && !Is(a[1], "ASYNC") && !Is(a[1], "SYNC")))
            throw new RespErrorException(SyntaxError);
        await DeleteAllKeysAsync(s).ConfigureAwait(false);
        s.Reply.Ok();
    }

    /// <summary>FUNCTION FLUSH and SCRIPT FLUSH: Sluice runs no scripts, so there is nothing to flush: OK.</summary>
    private static ValueTask FunctionOrScript(RespSession s, byte[][] a)
    {
        var container = Text(a[0]).ToUpperInvariant();
        if (!Is(a[1], "FLUSH"))
            throw new RespErrorException($"ERR unknown subcommand '{Truncate(Text(a[1]))}'. Try {container} HELP.");
        if (a.Length > 3 || (a.Length == 3 && !Is(a[2], "ASYNC") && !Is(a[2], "SYNC")))
            throw new RespErrorException(container == "SCRIPT" ? "ERR SCRIPT FLUSH only support SYNC|ASYNC option" : SyntaxError);
        s.Reply.Ok();
        return default;
    }

    private static ValueTask Time(RespSession s, byte[][] a)
    {
        var now = s.Server.Time.GetUtcNow();
        var micros = (now - DateTimeOffset.UnixEpoch).Ticks / 10;
        s.Reply.Array(2);
        s.Reply.BulkNumber(micros / 1_000_000);
        s.Reply.BulkNumber(micros % 1_000_000);
        return default;
    }
}
