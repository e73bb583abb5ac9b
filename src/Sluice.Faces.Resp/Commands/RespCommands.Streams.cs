using Sluice.Faces.Resp.Internal;
using Sluice.Faces.Resp.Protocol;
using static Sluice.Faces.Resp.Commands.RespArgs;
using static Sluice.Faces.Resp.Commands.RespCommandFlags;

namespace Sluice.Faces.Resp.Commands;

/// <summary>The stream commands (Redis command reference, <c>t_stream.c</c>), translated onto the broker's stream API.</summary>
internal static partial class RespCommands
{
    public const string InvalidId = "ERR Invalid stream ID specified as stream command argument";

    private static IEnumerable<RespCommandSpec> StreamCommands() =>
    [
        new("xadd", -5, Write | Fast | Pipelined, XAdd, 1, 1, 1, "Appends a new message to a stream. Creates the key if it doesn't exist."),
        new("xlen", 2, ReadOnly | Fast | Pipelined, XLen, 1, 1, 1, "Return the number of messages in a stream."),
        new("xrange", -4, ReadOnly | Pipelined, (s, a) => XRange(s, a, false), 1, 1, 1, "Returns the messages from a stream within a range of IDs."),
        new("xrevrange", -4, ReadOnly | Pipelined, (s, a) => XRange(s, a, true), 1, 1, 1, "Returns the messages from a stream within a range of IDs in reverse order."),
        new("xread", -4, ReadOnly | Blocking | Pipelined, XRead, 0, 0, 0, "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise."),
        new("xreadgroup", -7, Write | Blocking | Pipelined, XRead, 0, 0, 0, "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise."),
        new("xack", -4, Write | Fast | Pipelined, XAck, 1, 1, 1, "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream."),
        new("xpending", -3, ReadOnly | Pipelined, XPending, 1, 1, 1, "Returns the information and entries from a stream consumer group's pending entries list."),
        new("xclaim", -6, Write | Fast | Pipelined, XClaim, 1, 1, 1, "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member."),
        new("xautoclaim", -6, Write | Fast | Pipelined, XAutoClaim, 1, 1, 1, "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member."),
        new("xgroup", -2, Write, XGroup, 2, 2, 1, "A container for consumer groups commands."),
        new("xinfo", -2, ReadOnly, XInfo, 2, 2, 1, "A container for stream introspection commands."),
        new("xtrim", -4, Write | Pipelined, XTrim, 1, 1, 1, "Deletes messages from the beginning of a stream."),
        new("xdel", -3, Write | Fast | Pipelined, XDel, 1, 1, 1, "Returns the number of messages after removing them from a stream."),
        new("xsetid", -3, Write | Fast, XSetId, 1, 1, 1, "An internal command for replicating stream values."),
    ];

    private static Broker B(RespSession s) => s.Server.Broker;

    // ---- ids ----

    /// <summary>A strict id (<c>ms</c> or <c>ms-seq</c>; a missing sequence is <paramref name="missingSequence"/>).</summary>
    private static StreamEntryId Id(byte[] arg, ulong missingSequence = 0) =>
        StreamEntryId.TryParse(arg, missingSequence, out var id) ? id : throw new RespErrorException(InvalidId);

    /// <summary>An id, or <c>-</c> (0-0) or <c>+</c> (the largest id): Redis's non-strict parse (XGROUP SETID).</summary>
    private static StreamEntryId IdOrEdge(byte[] arg) => arg switch
    {
        [(byte)'-'] => StreamEntryId.MinValue,
        [(byte)'+'] => StreamEntryId.MaxValue,
        _ => Id(arg),
    };

    /// <summary>A range bound: <c>-</c>, <c>+</c>, an id, or <c>(id</c> (exclusive).</summary>
    private static StreamEntryId Bound(byte[] arg, bool start)
    {
        if (arg is [(byte)'-'] or [(byte)'+'])
            return IdOrEdge(arg);
        var exclusive = arg.Length > 0 && arg[0] == '(';
        var id = Id(exclusive ? arg[1..] : arg, start ? 0 : ulong.MaxValue);
        if (!exclusive)
            return id;
        if (start)
            return id.TryIncrement(out var next) ? next : throw new RespErrorException("ERR invalid start ID for the interval");
        return id.TryDecrement(out var previous) ? previous : throw new RespErrorException("ERR invalid end ID for the interval");
    }

    // ---- replies ----

    private static void WriteId(RespReplyWriter r, StreamEntryId id)
    {
        Span<byte> text = stackalloc byte[41];
        id.TryFormat(text, out var used);
        r.Bulk(text[..used]);
    }

    private static void WriteEntry(RespReplyWriter r, StreamEntry entry)
    {
        r.Array(2);
        WriteId(r, entry.Id);
        if (entry.Fields is null)
        {
            r.NullArray();
            return;
        }
        r.Array(entry.Fields.Count * 2);
        foreach (var field in entry.Fields)
        {
            r.Bulk(field.Name.Span);
            r.Bulk(field.Value.Span);
        }
    }

    private static void WriteEntries(RespReplyWriter r, IReadOnlyList<StreamEntry> entries)
    {
        r.Array(entries.Count);
        foreach (var entry in entries)
            WriteEntry(r, entry);
    }

    private static long Ms(TimeSpan span) => (long)span.TotalMilliseconds;

    private static long UnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    // ---- XADD, XLEN, XRANGE, XTRIM, XDEL, XSETID ----

    /// <summary>Parses <c>MAXLEN|MINID [=|~] threshold [LIMIT count]</c> at <paramref name="i"/>; leaves <paramref name="i"/> after it.</summary>
    private static StreamTrim? TrimOptions(byte[][] a, ref int i, bool xadd)
    {
        StreamTrim? trim = null;
        long? limit = null;
        for (; i < a.Length; i++)
        {
            var more = a.Length - 1 - i;
            if ((Is(a[i], "MAXLEN") || Is(a[i], "MINID")) && more >= 1)
            {
                if (trim is not null)
                    throw new RespErrorException("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                var maxLen = Is(a[i], "MAXLEN");
                var approximate = false;
                if (Is(a[i + 1], "~") || Is(a[i + 1], "="))
                {
                    approximate = a[i + 1][0] == '~';
                    i++;
                    if (i + 1 >= a.Length)
                        throw new RespErrorException(SyntaxError);
                }
                i++;
                if (maxLen)
                {
                    var threshold = Long(a[i]);
                    if (threshold < 0)
                        throw new RespErrorException("ERR The MAXLEN argument must be >= 0.");
                    trim = StreamTrim.MaxLength(threshold, approximate);
                }
                else
                {
                    trim = StreamTrim.ToMinId(Id(a[i]), approximate);
                }
            }
            else if (Is(a[i], "LIMIT") && more >= 1)
            {
                var value = Long(a[++i]);
                if (value < 0)
                    throw new RespErrorException("ERR The LIMIT argument must be >= 0.");
                limit = value;
            }
            else if (xadd)
            {
                break;
            }
            else
            {
                throw new RespErrorException(SyntaxError);
            }
        }
        if (limit is not null)
        {
            if (trim is null)
                throw new RespErrorException("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
            if (!trim.Approximate)
                throw new RespErrorException("ERR syntax error, LIMIT cannot be used without the special ~ option");
            trim = trim with { Limit = limit };
        }
        if (!xadd && trim is null)
            throw new RespErrorException("ERR syntax error, XTRIM must be called with a trimming strategy");
        return trim;
    }

    private static async ValueTask XAdd(RespSession s, byte[][] a)
    {
        var key = Key(a[1]);
        var i = 2;
        var noMake = false;
        if (i < a.Length && Is(a[i], "NOMKSTREAM"))
        {
            noMake = true;
            i++;
        }
        var trim = TrimOptions(a, ref i, xadd: true);
        if (i < a.Length && Is(a[i], "NOMKSTREAM"))
        {
            noMake = true;
            i++;
        }
        if (i >= a.Length || (a.Length - i - 1) < 2 || (a.Length - i - 1) % 2 != 0)
            throw new RespErrorException(RespCommandTable.WrongArity("xadd"));
        var options = new StreamAppendOptions { NoMakeStream = noMake, Trim = trim };
        var idArg = a[i];
        if (idArg is [(byte)'*'])
        {
            options = options with { IdMode = StreamIdMode.Auto };
        }
        else if (idArg.Length > 2 && idArg[^2] == '-' && idArg[^1] == '*')
        {
            // <ms>-*: the part before -* is a time alone (5-2-* is an invalid id, as Redis says).
            if (idArg.AsSpan(0, idArg.Length - 2).Contains((byte)'-'))
                throw new RespErrorException(InvalidId);
            options = options with { IdMode = StreamIdMode.AutoSequence, Id = Id(idArg[..^2]) };
        }
        else
        {
            var id = Id(idArg);
            if (id.IsZero)
                throw new RespErrorException("ERR The ID specified in XADD must be greater than 0-0");
            options = options with { IdMode = StreamIdMode.Explicit, Id = id };
        }
        var fields = new StreamField[(a.Length - i - 1) / 2];
        for (var f = 0; f < fields.Length; f++)
            fields[f] = new StreamField(a[i + 1 + (2 * f)], a[i + 2 + (2 * f)]);
        var added = await B(s).StreamAppendAsync(key, fields, options, s.Aborted).ConfigureAwait(false);
        if (added is { } newId)
        {
            WriteId(s.Reply, newId);
        }
        else
        {
            s.Reply.Null();
        }
    }

    private static async ValueTask XLen(RespSession s, byte[][] a) =>
        s.Reply.Integer(await B(s).StreamLengthAsync(Key(a[1]), s.Aborted).ConfigureAwait(false));

    private static async ValueTask XRange(RespSession s, byte[][] a, bool reverse)
    {
        var first = Bound(a[reverse ? 3 : 2], start: true);
        var last = Bound(a[reverse ? 2 : 3], start: false);
        int? count = null;
        for (var j = 4; j < a.Length; j++)
        {
            if (!Is(a[j], "COUNT") || j + 1 >= a.Length)
                throw new RespErrorException(SyntaxError);
            count = (int)Math.Clamp(Long(a[++j]), 0, int.MaxValue);
        }
        if (count == 0)
        {
            // Redis: COUNT 0 (or negative) is a null array on an existing stream, an empty one on a missing key.
            if (await B(s).StreamExistsAsync(Key(a[1]), s.Aborted).ConfigureAwait(false))
                s.Reply.NullArray();
            else
                s.Reply.Array(0);
            return;
        }
        if (first > last)
        {
            s.Reply.Array(0);
            return;
        }
        var entries = await B(s).StreamRangeAsync(Key(a[1]), first, last, count, reverse, s.Aborted).ConfigureAwait(false);
        WriteEntries(s.Reply, entries);
    }

    private static async ValueTask XTrim(RespSession s, byte[][] a)
    {
        var i = 2;
        var trim = TrimOptions(a, ref i, xadd: false)!;
        var key = Key(a[1]);
        var removed = await B(s).StreamTrimAsync(key, trim, s.Aborted).ConfigureAwait(false);
        s.Reply.Integer(removed);
    }

    private static async ValueTask XDel(RespSession s, byte[][] a)
    {
        var ids = a.Skip(2).Select(x => Id(x)).ToArray();
        var key = Key(a[1]);
        var removed = await B(s).StreamDeleteEntriesAsync(key, ids, s.Aborted).ConfigureAwait(false);
        s.Reply.Integer(removed);
    }

    private static async ValueTask XSetId(RespSession s, byte[][] a)
    {
        var id = Id(a[2]);
        long? added = null;
        StreamEntryId? maxDeleted = null;
        for (var i = 3; i < a.Length; i++)
        {
            if (Is(a[i], "ENTRIESADDED") && i + 1 < a.Length)
            {
                added = Long(a[++i]);
                if (added < 0)
                    throw new RespErrorException("ERR entries_added must be positive");
            }
            else if (Is(a[i], "MAXDELETEDID") && i + 1 < a.Length)
            {
                maxDeleted = Id(a[++i]);
                if (id < maxDeleted)
                    throw new RespErrorException("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
            }
            else
            {
                throw new RespErrorException(SyntaxError);
            }
        }
        var key = Key(a[1]);
        await B(s).StreamSetIdAsync(key, new StreamSetIdOptions(id, added, maxDeleted), s.Aborted).ConfigureAwait(false);
        s.Reply.Ok();
    }

    // ---- XREAD, XREADGROUP ----

    /// <summary>XREAD and XREADGROUP: options, then STREAMS keys... ids...; BLOCK waits without a thread.</summary>
    private static async ValueTask XRead(RespSession s, byte[][] a)
    {
        var group = Is(a[0], "xreadgroup");
        int? count = null;
        TimeSpan? block = null;
        var noAck = false;
        string? groupName = null, consumer = null;
        var streamsAt = 0;
        var streamCount = 0;
        for (var i = 1; i < a.Length; i++)
        {
            var more = a.Length - 1 - i;
            if (Is(a[i], "BLOCK") && more >= 1)
            {
                var ms = Long(a[++i], "ERR timeout is not an integer or out of range");
                if (ms < 0)
                    throw new RespErrorException("ERR timeout is negative");
                block = BlockTimeout(ms);
            }
            else if (Is(a[i], "COUNT") && more >= 1)
            {
                var value = Long(a[++i]);
                count = value <= 0 ? null : (int)Math.Min(value, int.MaxValue);
            }
            else if (Is(a[i], "STREAMS") && more >= 1)
            {
                streamsAt = i + 1;
                streamCount = a.Length - streamsAt;
                if (streamCount % 2 != 0)
                {
                    // Redis 7.0 answers XREADGROUP with the XREAD text too.
                    throw new RespErrorException("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                }
                streamCount /= 2;
                break;
            }
            else if (Is(a[i], "GROUP") && more >= 2)
            {
                if (!group)
                    throw new RespErrorException("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                groupName = Group(a[i + 1]);
                consumer = Consumer(a[i + 2]);
                i += 2;
            }
            else if (Is(a[i], "NOACK"))
            {
                if (!group)
                    throw new RespErrorException("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                noAck = true;
            }
            else
            {
                throw new RespErrorException(SyntaxError);
            }
        }
        if (streamsAt == 0)
            throw new RespErrorException(SyntaxError);
        if (group && groupName is null)
            throw new RespErrorException("ERR Missing GROUP option for XREADGROUP");

        var positions = new StreamPosition[streamCount];
        for (var k = 0; k < streamCount; k++)
        {
            var key = Key(a[streamsAt + k]);
            var idArg = a[streamsAt + streamCount + k];
            if (idArg is [(byte)'$'])
            {
                if (group)
                {
                    throw new RespErrorException("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this " +
                        "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
                }
                positions[k] = StreamPosition.New(key);
            }
            else if (idArg is [(byte)'>'])
            {
                if (!group)
                    throw new RespErrorException("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                positions[k] = StreamPosition.Undelivered(key);
            }
            else
            {
                positions[k] = StreamPosition.After(key, Id(idArg));
            }
        }

        if (s.InExec)
            block = null; // Redis never blocks inside MULTI/EXEC.
        if (block is not null)
            await s.FlushAsync().ConfigureAwait(false); // replies before this one reach the client while it waits
        var options = new StreamReadOptions { Count = count, Block = block, NoAck = noAck };
        ValueTask<IReadOnlyList<StreamReadResult>> Read(CancellationToken token) => group
            ? B(s).StreamReadGroupAsync(groupName!, consumer!, positions, options, token)
            : B(s).StreamReadAsync(positions, options, token);
        var results = block is null
            ? await Read(s.Aborted).ConfigureAwait(false)
            : await s.WatchingDisconnectAsync(Read).ConfigureAwait(false);
        var r = s.Reply;
        if (results.Count == 0)
        {
            r.NullArray();
            return;
        }
        if (r.Protocol == 3)
        {
            r.Map(results.Count);
            foreach (var result in results)
            {
                r.Bulk(result.Stream);
                WriteEntries(r, result.Entries);
            }
        }
        else
        {
            r.Array(results.Count);
            foreach (var result in results)
            {
                r.Array(2);
                r.Bulk(result.Stream);
                WriteEntries(r, result.Entries);
            }
        }
    }

    // ---- XACK, XPENDING, XCLAIM, XAUTOCLAIM ----

    private static async ValueTask XAck(RespSession s, byte[][] a)
    {
        var ids = a.Skip(3).Select(x => Id(x)).ToArray();
        var key = Key(a[1]);
        var acked = await B(s).StreamAckAsync(key, Group(a[2]), ids, s.Aborted).ConfigureAwait(false);
        s.Reply.Integer(acked);
    }

    private static async ValueTask XPending(RespSession s, byte[][] a)
    {
        if (a.Length != 3 && (a.Length < 6 || a.Length > 9))
            throw new RespErrorException(SyntaxError);
        var key = Key(a[1]);
        var group = Group(a[2]);
        var r = s.Reply;
        if (a.Length == 3)
        {
            var summary = await B(s).StreamPendingSummaryAsync(key, group, s.Aborted).ConfigureAwait(false);
            r.Array(4);
            r.Integer(summary.Count);
            if (summary.Count == 0)
            {
                r.Null();
                r.Null();
                r.NullArray();
                return;
            }
            WriteId(r, summary.Smallest!.Value);
            WriteId(r, summary.Largest!.Value);
            r.Array(summary.Consumers.Count);
            foreach (var consumer in summary.Consumers)
            {
                r.Array(2);
                r.Bulk(consumer.Consumer);
                r.BulkNumber(consumer.Count);
            }
            return;
        }
        var at = 3;
        TimeSpan? minIdle = null;
        if (Is(a[3], "IDLE"))
        {
            minIdle = Milliseconds(Long(a[4]));
            if (a.Length < 8)
                throw new RespErrorException(SyntaxError);
            at = 5;
        }
        var count = Math.Max(0, Long(a[at + 2]));
        var query = new StreamPendingQuery
        {
            Start = Bound(a[at], start: true),
            End = Bound(a[at + 1], start: false),
            Count = count,
            MinIdle = minIdle,
            Consumer = at + 3 < a.Length ? Consumer(a[at + 3]) : null,
        };
        if (at + 4 < a.Length)
            throw new RespErrorException(SyntaxError);
        var rows = await B(s).StreamPendingAsync(key, group, query, s.Aborted).ConfigureAwait(false);
        r.Array(rows.Count);
        foreach (var row in rows)
        {
            r.Array(4);
            WriteId(r, row.Id);
            r.Bulk(row.Consumer);
            r.Integer(Ms(row.Idle));
            r.Integer(row.DeliveryCount);
        }
    }

    private static async ValueTask XClaim(RespSession s, byte[][] a)
    {
        var minIdle = Long(a[4], "ERR Invalid min-idle-time argument for XCLAIM");
        var j = 5;
        var ids = new List<StreamEntryId>();
        for (; j < a.Length && StreamEntryId.TryParse(a[j], 0, out var id); j++)
            ids.Add(id);
        var options = new StreamClaimOptions();
        var now = s.Server.Time.GetUtcNow();
        for (; j < a.Length; j++)
        {
            var more = a.Length - 1 - j;
            if (Is(a[j], "FORCE"))
            {
                options = options with { Force = true };
            }
            else if (Is(a[j], "JUSTID"))
            {
                options = options with { JustId = true };
            }
            else if (Is(a[j], "IDLE") && more >= 1)
            {
                var idle = Long(a[++j], "ERR Invalid IDLE option argument for XCLAIM");
                options = options with { Idle = Milliseconds(idle), Time = null };
            }
            else if (Is(a[j], "TIME") && more >= 1)
            {
                var time = Long(a[++j], "ERR Invalid TIME option argument for XCLAIM");
                var at = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(time, 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
                options = options with { Time = at > now ? now : at, Idle = null };
            }
            else if (Is(a[j], "RETRYCOUNT") && more >= 1)
            {
                // Redis ignores a negative count (the delivery counter then counts this claim, as without the option).
                var retryCount = Long(a[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
                options = options with { RetryCount = retryCount < 0 ? null : retryCount };
            }
            else if (Is(a[j], "LASTID") && more >= 1)
            {
                options = options with { LastId = Id(a[++j]) };
            }
            else
            {
                throw new RespErrorException($"ERR Unrecognized XCLAIM option '{Text(a[j])}'");
            }
        }
        var key = Key(a[1]);
        var claimed = await B(s).StreamClaimAsync(key, Group(a[2]), Consumer(a[3]), Milliseconds(minIdle), ids, options, s.Aborted)
            .ConfigureAwait(false);
        if (options.JustId)
        {
            s.Reply.Array(claimed.Count);
            foreach (var entry in claimed)
                WriteId(s.Reply, entry.Id);
        }
        else
        {
            WriteEntries(s.Reply, claimed.Where(e => e.Fields is not null).ToList());
        }
    }

    private static async ValueTask XAutoClaim(RespSession s, byte[][] a)
    {
        var minIdle = Long(a[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM");
        var start = Bound(a[5], start: true);
        var count = 100L;
        var justId = false;
        for (var j = 6; j < a.Length; j++)
        {
            if (Is(a[j], "COUNT") && j + 1 < a.Length)
            {
                if (!TryLong(a[++j], out count))
                    throw new RespErrorException(NotAnInteger);
                if (count < 1 || count > 10_000_000)
                    throw new RespErrorException("ERR COUNT must be > 0");
            }
            else if (Is(a[j], "JUSTID"))
            {
                justId = true;
            }
            else
            {
                throw new RespErrorException(SyntaxError);
            }
        }
        var key = Key(a[1]);
        var result = await B(s).StreamAutoClaimAsync(key, Group(a[2]), Consumer(a[3]), Milliseconds(minIdle), start, (int)count, justId, s.Aborted)
            .ConfigureAwait(false);
        var r = s.Reply;
        r.Array(3);
        WriteId(r, result.Next);
        if (justId)
        {
            r.Array(result.Claimed.Count);
            foreach (var entry in result.Claimed)
                WriteId(r, entry.Id);
        }
        else
        {
            WriteEntries(r, result.Claimed);
        }
        r.Array(result.Deleted.Count);
        foreach (var id in result.Deleted)
            WriteId(r, id);
    }

    // ---- XGROUP, XINFO ----

    private static async ValueTask XGroup(RespSession s, byte[][] a)
    {
        var sub = Text(a[1]).ToLowerInvariant();
        var r = s.Reply;
        SubcommandArity(a, "xgroup", sub switch
        {
            "help" => 2,
            "create" or "setid" => -5,
            "destroy" => 4,
            "createconsumer" or "delconsumer" => 5,
            _ => 0,
        });
        if (sub == "help")
        {
            string[] help =
            [
                "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter.",
                "HELP",
                "    Prints this help.",
            ];
            r.Array(help.Length);
            foreach (var line in help)
                r.SimpleString(line);
            return;
        }
        var syntax = $"ERR unknown subcommand or wrong number of arguments for '{Truncate(Text(a[1]))}'. Try XGROUP HELP.";
        var key = Key(a[2]);
        var group = Group(a[3]);
        var makeStream = false;
        long? entriesRead = null;
        if (sub is "create" or "setid")
        {
            for (var i = 5; i < a.Length; i++)
            {
                if (sub == "create" && Is(a[i], "MKSTREAM"))
                {
                    makeStream = true;
                }
                else if (Is(a[i], "ENTRIESREAD") && i + 1 < a.Length)
                {
                    var value = Long(a[++i]);
                    if (value < -1)
                        throw new RespErrorException("ERR value for ENTRIESREAD must be positive or -1");
                    entriesRead = value == -1 ? null : value;
                }
                else
                {
                    throw new RespErrorException(syntax);
                }
            }
        }
        switch (sub)
        {
            case "create" when a.Length is >= 5 and <= 8:
                {
                    StreamEntryId? id = a[4] is [(byte)'$'] ? null : Id(a[4]);
                    await B(s).StreamCreateGroupAsync(key, group, new StreamGroupOptions { LastDeliveredId = id, MakeStream = makeStream, EntriesRead = entriesRead }, s.Aborted)
                        .ConfigureAwait(false);
                    r.Ok();
                    break;
                }
            case "setid" when a.Length is 5 or 7:
                {
                    StreamEntryId? id = a[4] is [(byte)'$'] ? null : IdOrEdge(a[4]);
                    await B(s).StreamSetGroupIdAsync(key, group, id, entriesRead, s.Aborted).ConfigureAwait(false);
                    r.Ok();
                    break;
                }
            case "destroy":
                r.Integer(await B(s).StreamDeleteGroupAsync(key, group, s.Aborted).ConfigureAwait(false) ? 1 : 0);
                break;
            case "createconsumer":
                r.Integer(await B(s).StreamCreateConsumerAsync(key, group, Consumer(a[4]), s.Aborted).ConfigureAwait(false) ? 1 : 0);
                break;
            case "delconsumer":
                r.Integer(await B(s).StreamDeleteConsumerAsync(key, group, Consumer(a[4]), s.Aborted).ConfigureAwait(false));
                break;
            default:
                throw new RespErrorException(syntax);
        }
    }

    private static async ValueTask XInfo(RespSession s, byte[][] a)
    {
        var sub = Text(a[1]).ToLowerInvariant();
        var r = s.Reply;
        SubcommandArity(a, "xinfo", sub switch
        {
            "help" => 2,
            "stream" => -3,
            "groups" => 3,
            "consumers" => 4,
            _ => 0,
        });
        if (sub == "help")
        {
            string[] help =
            [
                "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.",
                "HELP",
                "    Prints this help.",
            ];
            r.Array(help.Length);
            foreach (var line in help)
                r.SimpleString(line);
            return;
        }
        var syntax = $"ERR unknown subcommand or wrong number of arguments for '{Truncate(Text(a[1]))}'. Try XINFO HELP.";
        var key = Key(a[2]);
        var broker = B(s);
        switch (sub)
        {
            case "consumers":
                {
                    var consumers = await broker.GetStreamConsumersAsync(key, Group(a[3]), s.Aborted).ConfigureAwait(false);
                    r.Array(consumers.Count);
                    foreach (var consumer in consumers)
                    {
                        r.Map(3);
                        r.Bulk("name"u8);
                        r.Bulk(consumer.Name);
                        r.Bulk("pending"u8);
                        r.Integer(consumer.Pending);
                        r.Bulk("idle"u8);
                        r.Integer(Ms(consumer.Idle));
                    }
                    break;
                }
            case "groups":
                {
                    var groups = await broker.GetStreamGroupsAsync(key, s.Aborted).ConfigureAwait(false);
                    r.Array(groups.Count);
                    foreach (var g in groups)
                    {
                        r.Map(6);
                        r.Bulk("name"u8);
                        r.Bulk(g.Name);
                        r.Bulk("consumers"u8);
                        r.Integer(g.Consumers);
                        r.Bulk("pending"u8);
                        r.Integer(g.Pending);
                        r.Bulk("last-delivered-id"u8);
                        WriteId(r, g.LastDeliveredId);
                        WriteGroupCounters(r, g);
                    }
                    break;
                }
            case "stream" when a.Length == 3:
                {
                    var info = await broker.GetStreamInfoAsync(key, s.Aborted).ConfigureAwait(false);
                    r.Map(10);
                    WriteStreamHeader(r, info);
                    r.Bulk("groups"u8);
                    r.Integer(info.Groups);
                    r.Bulk("first-entry"u8);
                    WriteOptionalEntry(r, info.FirstEntry);
                    r.Bulk("last-entry"u8);
                    WriteOptionalEntry(r, info.LastEntry);
                    break;
                }
            case "stream":
                {
                    var options = a.Length is 4 or 6 && Is(a[3], "FULL") && (a.Length == 4 || Is(a[4], "COUNT"));
                    long count = 10;
                    if (!options || (a.Length == 6 && !TryLong(a[5], out count)))
                    {
                        // Redis looks the key up before it reads the options.
                        await broker.GetStreamInfoAsync(key, s.Aborted).ConfigureAwait(false);
                        throw new RespErrorException(options ? NotAnInteger : syntax);
                    }
                    // COUNT 0: every entry; a negative COUNT is the default 10 (as Redis).
                    var full = await broker.GetStreamFullInfoAsync(key, count < 0 ? 10 : (int)Math.Min(count, int.MaxValue), s.Aborted).ConfigureAwait(false);
                    r.Map(9);
                    WriteStreamHeader(r, full.Stream);
                    r.Bulk("entries"u8);
                    WriteEntries(r, full.Entries);
                    r.Bulk("groups"u8);
                    r.Array(full.Groups.Count);
                    foreach (var g in full.Groups)
                    {
                        r.Map(7);
                        r.Bulk("name"u8);
                        r.Bulk(g.Group.Name);
                        r.Bulk("last-delivered-id"u8);
                        WriteId(r, g.Group.LastDeliveredId);
                        WriteGroupCounters(r, g.Group);
                        r.Bulk("pel-count"u8);
                        r.Integer(g.Group.Pending);
                        r.Bulk("pending"u8);
                        r.Array(g.Pending.Count);
                        foreach (var p in g.Pending)
                        {
                            r.Array(4);
                            WriteId(r, p.Id);
                            r.Bulk(p.Consumer);
                            r.Integer(UnixMs(p.DeliveredAt));
                            r.Integer(p.DeliveryCount);
                        }
                        r.Bulk("consumers"u8);
                        r.Array(g.Consumers.Count);
                        foreach (var c in g.Consumers)
                        {
                            r.Map(4);
                            r.Bulk("name"u8);
                            r.Bulk(c.Consumer.Name);
                            r.Bulk("seen-time"u8);
                            r.Integer(UnixMs(c.Consumer.SeenAt));
                            r.Bulk("pel-count"u8);
                            r.Integer(c.Consumer.Pending);
                            r.Bulk("pending"u8);
                            r.Array(c.Pending.Count);
                            foreach (var p in c.Pending)
                            {
                                r.Array(3);
                                WriteId(r, p.Id);
                                r.Integer(UnixMs(p.DeliveredAt));
                                r.Integer(p.DeliveryCount);
                            }
                        }
                    }
                    break;
                }
            default:
                throw new RespErrorException(syntax);
        }
    }

    private static void WriteStreamHeader(RespReplyWriter r, StreamInfo info)
    {
        r.Bulk("length"u8);
        r.Integer(info.Length);
        // Redis's radix-tree sizes have no meaning in Sluice: one key per 100 entries, as Redis's default node size.
        r.Bulk("radix-tree-keys"u8);
        r.Integer((info.Length + StreamTrim.ApproximateBlock - 1) / StreamTrim.ApproximateBlock);
        r.Bulk("radix-tree-nodes"u8);
        r.Integer(Math.Max(1, (info.Length + StreamTrim.ApproximateBlock - 1) / StreamTrim.ApproximateBlock));
        r.Bulk("last-generated-id"u8);
        WriteId(r, info.LastGeneratedId);
        r.Bulk("max-deleted-entry-id"u8);
        WriteId(r, info.MaxDeletedEntryId);
        r.Bulk("entries-added"u8);
        r.Integer(info.EntriesAdded);
        r.Bulk("recorded-first-entry-id"u8);
        WriteId(r, info.RecordedFirstEntryId);
    }

    private static void WriteGroupCounters(RespReplyWriter r, StreamGroupInfo g)
    {
        r.Bulk("entries-read"u8);
        if (g.EntriesRead is { } read)
            r.Integer(read);
        else
            r.Null();
        r.Bulk("lag"u8);
        if (g.Lag is { } lag)
            r.Integer(lag);
        else
            r.Null();
    }

    private static void WriteOptionalEntry(RespReplyWriter r, StreamEntry? entry)
    {
        if (entry is null)
            r.Null();
        else
            WriteEntry(r, entry);
    }
}
