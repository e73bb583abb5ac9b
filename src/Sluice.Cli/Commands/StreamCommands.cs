using System.CommandLine;
using System.Text;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice stream list|create|show|delete|add|range|read|trim|del|ack|pending|claim|autoclaim</c> and
/// <c>sluice stream group create|list|delete|setid</c>: the Redis stream verbs over the REST API.
/// </summary>
internal static class StreamCommands
{
    public static Command Create(CliContext context)
    {
        var stream = context.ClientCommand("stream", "Append to, read and trim streams; manage consumer groups and their pending entries.");
        stream.Subcommands.Add(CreateList(context));
        stream.Subcommands.Add(CreateCreate(context));
        stream.Subcommands.Add(CreateShow(context));
        stream.Subcommands.Add(CreateDelete(context));
        stream.Subcommands.Add(CreateAdd(context));
        stream.Subcommands.Add(CreateRange(context));
        stream.Subcommands.Add(CreateRead(context));
        stream.Subcommands.Add(CreateTrim(context));
        stream.Subcommands.Add(CreateDel(context));
        stream.Subcommands.Add(CreateGroup(context));
        stream.Subcommands.Add(CreateAck(context));
        stream.Subcommands.Add(CreatePending(context));
        stream.Subcommands.Add(CreateClaim(context));
        stream.Subcommands.Add(CreateAutoClaim(context));
        return stream;
    }

    private static Argument<string> StreamArgument() => new("stream") { Description = "The stream name" };

    private static Argument<string> GroupArgument() => new("group") { Description = "The consumer group" };

    private static Argument<string> ConsumerArgument() => new("consumer") { Description = "The consumer (created when new)" };

    private static Argument<string[]> IdsArgument(string description) => new("ids") { Description = description, Arity = ArgumentArity.OneOrMore };

    private static Option<int> CountOption(int fallback, string description) =>
        new Option<int>("--count", "-n") { Description = $"{description}, 1-10000", DefaultValueFactory = _ => fallback, HelpName = "N" }
            .ParsedWithDefault(n => n is >= 1 and <= 10_000, "give 1 to 10000");

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List streams with their length, first and last ids and groups.");
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streams = await client.ListStreamsAsync(ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new StreamListResponse([.. streams]), OutputJsonContext.Default.StreamListResponse).ConfigureAwait(false);
                return 0;
            }

            if (streams.Count == 0)
            {
                await context.Error.WriteLineAsync("no streams: append to one with 'sluice stream add NAME FIELD=VALUE'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("stream", "length", "bytes", "first id", "last id", "groups");
            foreach (var s in streams)
            {
                table.AddRow(Format.Cell(s.Name), Format.Number(s.Length), Format.Bytes(s.Bytes), Format.Optional(s.FirstEntryId),
                    Format.Optional(s.LastEntryId), Format.Number(s.Groups));
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var name = StreamArgument();
        var maxLength = new Option<long?>("--max-length") { Description = "Most entries kept (the oldest are removed first)", HelpName = "N" }
            .Parsed(n => n >= 0, "give a whole number, 0 or more");
        var maxBytes = new Option<long?>("--max-bytes") { Description = "Most bytes kept (field names and values)", HelpName = "BYTES" }
            .Parsed(n => n >= 0, "give a whole number, 0 or more");
        var maxAge = Options.Seconds("--max-age", "Remove entries older than this (by their id's time) at each sweep");
        var command = new Command("create", "Create a stream, or set an existing stream's retention (limits not given are removed).") { name, maxLength, maxBytes, maxAge };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var retention = new StreamRetentionRequest
            {
                MaxLength = parseResult.GetValue(maxLength),
                MaxBytes = parseResult.GetValue(maxBytes),
                MaxAgeSeconds = parseResult.GetValue(maxAge),
            };
            var stream = await client.PutStreamAsync(parseResult.GetRequiredValue(name), retention, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(stream, OutputJsonContext.Default.StreamResponse).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"stream '{stream.Name}' is ready").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var name = StreamArgument();
        var command = new Command("show", "Show a stream's length, ids, counters, retention and groups.") { name };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var s = await client.GetStreamAsync(streamName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(s, OutputJsonContext.Default.StreamResponse).ConfigureAwait(false);
                return 0;
            }

            var groups = await client.ListGroupsAsync(streamName, ct).ConfigureAwait(false);
            (string Key, string Value)[] rows =
            [
                ("name", s.Name),
                ("created", Format.Time(s.CreatedAt)),
                ("length", Format.Number(s.Length)),
                ("bytes", Format.Bytes(s.Bytes)),
                ("first entry", Format.Optional(s.FirstEntry?.Id)),
                ("last entry", Format.Optional(s.LastEntry?.Id)),
                ("last generated id", Format.Optional(s.LastGeneratedId)),
                ("max deleted id", Format.Optional(s.MaxDeletedEntryId)),
                ("entries added", Format.Number(s.EntriesAdded)),
                ("max length", Format.Optional(s.Retention?.MaxLength)),
                ("max bytes", Format.Bytes(s.Retention?.MaxBytes)),
                ("max age", Format.Duration(s.Retention?.MaxAgeSeconds)),
                .. groups.Select(g => ($"group {g.Name}",
                    $"last delivered {g.LastDeliveredId}, {Entries(g.Pending, "pending ")}, {Format.Count(g.Consumers, "consumer")}, lag {Format.Optional(g.Lag)}" +
                    (g.MaxDeliveries is { } max ? $", dead-letters to '{g.DeadLetterStream}' after {max} deliveries" : ""))),
            ];
            var width = rows.Max(r => r.Key.Length) + 2;
            foreach (var (key, value) in rows)
                await context.Output.WriteLineAsync(key.PadRight(width) + value).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var name = StreamArgument();
        var command = new Command("delete", "Delete a stream with its entries and groups.") { name };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            await client.DeleteStreamAsync(streamName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(new StreamResultDto(streamName, Deleted: true), OutputJsonContext.Default.StreamResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"deleted stream '{streamName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateAdd(CliContext context)
    {
        var name = StreamArgument();
        var fields = new Argument<string[]>("fields") { Description = "The entry's fields in order, FIELD=VALUE (a name may repeat)", Arity = ArgumentArity.OneOrMore };
        var id = new Option<string>("--id") { Description = "The id: * (default, generated), MS-* or MS-SEQ above the stream's last id", HelpName = "ID" };
        var maxLength = new Option<long?>("--max-length") { Description = "Then trim to this many newest entries (XADD MAXLEN)", HelpName = "N" }
            .Parsed(n => n >= 0, "give a whole number, 0 or more");
        var command = CliContext.Verb("add", "Append an entry (XADD); prints its id.", name, fields, id, maxLength);
        command.Validators.Add(r =>
        {
            foreach (var field in r.GetValue(fields) ?? [])
            {
                if (!field.Contains('=', StringComparison.Ordinal))
                    r.AddError($"field '{field}' is invalid: use FIELD=VALUE");
            }
        });
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var request = new StreamAppendRequest
            {
                Id = parseResult.GetValue(id),
                Fields = new StreamFieldsInput([.. parseResult.GetRequiredValue(fields).Select(f => f.Split('=', 2)).Select(p => new StreamField(Encoding.UTF8.GetBytes(p[0]), Encoding.UTF8.GetBytes(p[1])))]),
                Trim = parseResult.GetValue(maxLength) is { } max ? new StreamTrimRequest { MaxLength = max } : null,
            };
            var entryId = await client.AppendAsync(streamName, request, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(new StreamResultDto(streamName, Id: entryId), OutputJsonContext.Default.StreamResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync(entryId).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateRange(CliContext context)
    {
        var name = StreamArgument();
        var from = new Option<string>("--from") { Description = "The smallest id: - (default), an id, or (ID exclusive", DefaultValueFactory = _ => "-", HelpName = "ID" };
        var to = new Option<string>("--to") { Description = "The largest id: + (default), an id, or (ID exclusive", DefaultValueFactory = _ => "+", HelpName = "ID" };
        var count = CountOption(100, "Most entries");
        var desc = new Option<bool>("--desc") { Description = "Newest first (XREVRANGE)" };
        var command = CliContext.Verb("range", "Print entries between two ids (XRANGE / XREVRANGE), one per line: ID FIELD=VALUE...", name, from, to, count, desc);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var entries = await client.RangeAsync(parseResult.GetRequiredValue(name), parseResult.GetValue(from)!, parseResult.GetValue(to)!,
                parseResult.GetValue(count), parseResult.GetValue(desc), ct).ConfigureAwait(false);
            await WriteEntriesAsync(context, parseResult, entries).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateRead(CliContext context)
    {
        var name = StreamArgument();
        var group = new Option<string>("--group", "-g") { Description = "Read as a consumer of this group (XREADGROUP); needs --consumer", HelpName = "GROUP" };
        var consumer = new Option<string>("--consumer", "-c") { Description = "The consumer of --group (created when new)", HelpName = "NAME" };
        var after = new Option<string>("--after")
        {
            Description = "Without --group: $ (default, entries appended from now on) or an id. With --group: > (default, never delivered) or an id (the consumer's pending entries)",
            HelpName = "ID",
        };
        var count = CountOption(100, "Most entries");
        var wait = Options.Seconds("--wait", "Wait up to this long for an append when there is nothing to read (server maximum 20s) [default 0s]");
        var noAck = new Option<bool>("--no-ack") { Description = "With --group: do not add the entries to the pending list (XREADGROUP NOACK)" };
        var command = CliContext.Verb("read", "Read entries after an id, waiting for new ones with --wait (XREAD); or as a group's consumer (XREADGROUP).",
            name, group, consumer, after, count, wait, noAck);
        command.Validators.Add(r =>
        {
            if (r.GetValue(group) is null && (r.GetValue(consumer) is not null || r.GetValue(noAck)))
                r.AddError("--consumer and --no-ack need --group");
            if (r.GetValue(group) is not null && r.GetValue(consumer) is null)
                r.AddError("--group needs --consumer: name the consumer that reads");
        });
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var entries = parseResult.GetValue(group) is { } g
                ? await client.ReadGroupAsync(streamName, g, new StreamGroupReadRequest
                {
                    Consumer = parseResult.GetValue(consumer),
                    After = parseResult.GetValue(after),
                    Count = parseResult.GetValue(count),
                    NoAck = parseResult.GetValue(noAck) ? true : null,
                    WaitSeconds = parseResult.GetValue(wait),
                }, ct).ConfigureAwait(false)
                : await client.ReadAsync(streamName, parseResult.GetValue(after) ?? "$", parseResult.GetValue(count), parseResult.GetValue(wait), ct).ConfigureAwait(false);
            await WriteEntriesAsync(context, parseResult, entries).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateTrim(CliContext context)
    {
        var name = StreamArgument();
        var maxLength = new Option<long?>("--max-length") { Description = "Keep at most this many newest entries (MAXLEN)", HelpName = "N" }
            .Parsed(n => n >= 0, "give a whole number, 0 or more");
        var minId = new Option<string>("--min-id") { Description = "Remove entries with a smaller id (MINID)", HelpName = "ID" };
        var approximate = new Option<bool>("--approximate") { Description = "Remove only whole blocks of 100 entries (Redis ~)" };
        var command = CliContext.Verb("trim", "Remove the oldest entries (XTRIM); prints how many.", name, maxLength, minId, approximate);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(maxLength) is null) == (r.GetValue(minId) is null))
                r.AddError("give one of --max-length and --min-id");
        });
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var removed = await client.TrimAsync(streamName, new StreamTrimRequest
            {
                MaxLength = parseResult.GetValue(maxLength),
                MinId = parseResult.GetValue(minId),
                Approximate = parseResult.GetValue(approximate) ? true : null,
            }, ct).ConfigureAwait(false);
            await WriteCountAsync(context, parseResult, streamName, removed, $"removed {Entries(removed)} from '{streamName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateDel(CliContext context)
    {
        var name = StreamArgument();
        var ids = IdsArgument("The ids of the entries to delete");
        var command = CliContext.Verb("del", "Delete entries by id (XDEL); prints how many existed.", name, ids);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            // One request: the server checks every id before it deletes any.
            var deleted = await client.DeleteEntriesAsync(streamName, parseResult.GetRequiredValue(ids), ct).ConfigureAwait(false);
            await WriteCountAsync(context, parseResult, streamName, deleted, $"deleted {Entries(deleted)} from '{streamName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateGroup(CliContext context)
    {
        var group = CliContext.Verb("group", "Create, list, move and delete consumer groups.");
        group.Subcommands.Add(CreateGroupCreate(context));
        group.Subcommands.Add(CreateGroupList(context));
        group.Subcommands.Add(CreateGroupSetId(context));
        group.Subcommands.Add(CreateGroupDelete(context));
        return group;
    }

    private static Command CreateGroupCreate(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var start = new Option<string>("--start") { Description = "The group's last-delivered id: $ (default, only new entries), 0 (the whole stream) or an id", HelpName = "ID" };
        var makeStream = new Option<bool>("--make-stream") { Description = "Create the stream when it does not exist (MKSTREAM)" };
        var maxDeliveries = new Option<int?>("--max-deliveries") { Description = "Move an entry delivered this many times to --dead-letter-stream on its next delivery", HelpName = "N" }
            .Parsed(n => n >= 1, "give a whole number, 1 or more");
        var deadLetter = new Option<string>("--dead-letter-stream") { Description = "The stream that receives entries past --max-deliveries", HelpName = "STREAM" };
        var command = new Command("create", "Create a consumer group (XGROUP CREATE).") { name, group, start, makeStream, maxDeliveries, deadLetter };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(maxDeliveries) is null) != (r.GetValue(deadLetter) is null))
                r.AddError("--max-deliveries and --dead-letter-stream go together: give both or neither");
        });
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var created = await client.CreateGroupAsync(parseResult.GetRequiredValue(name), new StreamGroupCreateRequest
            {
                Name = parseResult.GetRequiredValue(group),
                StartId = parseResult.GetValue(start),
                MakeStream = parseResult.GetValue(makeStream) ? true : null,
                MaxDeliveries = parseResult.GetValue(maxDeliveries),
                DeadLetterStream = parseResult.GetValue(deadLetter),
            }, ct).ConfigureAwait(false);
            await WriteGroupAsync(context, parseResult, created, $"group '{created.Name}' is ready at {created.LastDeliveredId}").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateGroupList(CliContext context)
    {
        var name = StreamArgument();
        var command = new Command("list", "List a stream's consumer groups (XINFO GROUPS).") { name };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var groups = await client.ListGroupsAsync(streamName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new StreamGroupListResponse([.. groups]), OutputJsonContext.Default.StreamGroupListResponse).ConfigureAwait(false);
                return 0;
            }

            if (groups.Count == 0)
            {
                await context.Error.WriteLineAsync($"no groups on '{streamName}': create one with 'sluice stream group create {streamName} GROUP'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("group", "consumers", "pending", "last delivered", "lag", "max deliveries", "dead-letter stream");
            foreach (var g in groups)
            {
                table.AddRow(Format.Cell(g.Name), Format.Number(g.Consumers), Format.Number(g.Pending), Format.Optional(g.LastDeliveredId),
                    Format.Optional(g.Lag), Format.Optional(g.MaxDeliveries), Format.Cell(Format.Optional(g.DeadLetterStream)));
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateGroupSetId(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var id = new Argument<string>("id") { Description = "The new last-delivered id: $ (the stream's last id), 0 or an id" };
        var command = new Command("setid", "Move a group's last-delivered id (XGROUP SETID); pending entries stay.") { name, group, id };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var moved = await client.SetGroupIdAsync(parseResult.GetRequiredValue(name), parseResult.GetRequiredValue(group), parseResult.GetRequiredValue(id), ct).ConfigureAwait(false);
            await WriteGroupAsync(context, parseResult, moved, $"group '{moved.Name}' is at {moved.LastDeliveredId}").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateGroupDelete(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var command = new Command("delete", "Delete a consumer group with its consumers and pending entries (XGROUP DESTROY).") { name, group };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var groupName = parseResult.GetRequiredValue(group);
            await client.DeleteGroupAsync(streamName, groupName, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(new StreamResultDto(streamName, Deleted: true), OutputJsonContext.Default.StreamResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"deleted group '{groupName}' of '{streamName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateAck(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var ids = IdsArgument("The ids to acknowledge");
        var command = CliContext.Verb("ack", "Acknowledge entries of a group (XACK); prints how many were pending.", name, group, ids);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var acked = await client.AckEntriesAsync(streamName, parseResult.GetRequiredValue(group), parseResult.GetRequiredValue(ids), ct).ConfigureAwait(false);
            await WriteCountAsync(context, parseResult, streamName, acked, $"acknowledged {Entries(acked)}").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreatePending(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var consumer = new Option<string>("--consumer", "-c") { Description = "Only this consumer's entries", HelpName = "NAME" };
        var minIdle = Options.Seconds("--min-idle", "Only entries idle at least this long");
        var count = CountOption(10, "Most entries listed");
        var command = CliContext.Verb("pending", "Show a group's pending entries (XPENDING): the count per consumer, then id, consumer, idle time and deliveries.",
            name, group, consumer, minIdle, count);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var streamName = parseResult.GetRequiredValue(name);
            var groupName = parseResult.GetRequiredValue(group);
            var summary = await client.PendingSummaryAsync(streamName, groupName, ct).ConfigureAwait(false);
            var rows = await client.PendingEntriesAsync(streamName, groupName, parseResult.GetValue(count), parseResult.GetValue(consumer),
                parseResult.GetValue(minIdle), ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new StreamPendingShowDto(summary, [.. rows]), OutputJsonContext.Default.StreamPendingShowDto).ConfigureAwait(false);
                return 0;
            }

            await context.Output.WriteLineAsync(summary.Count == 0
                ? $"no pending entries in group '{groupName}'"
                : $"{Entries(summary.Count, "pending ")} ({summary.SmallestId} to {summary.LargestId}): " +
                  string.Join(", ", summary.Consumers.Select(c => $"{c.Consumer} {Format.Number(c.Count)}"))).ConfigureAwait(false);
            if (rows.Count == 0)
                return 0;

            var table = new Table().AddColumns("id", "consumer", "idle", "deliveries");
            foreach (var r in rows)
                table.AddRow(r.Id, Format.Cell(r.Consumer), Format.Duration(r.IdleSeconds), Format.Number(r.DeliveryCount));
            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateClaim(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var consumer = ConsumerArgument();
        var ids = IdsArgument("The pending ids to claim");
        var minIdle = Options.Seconds("--min-idle", "Claim only entries idle at least this long [default 0s]");
        var force = new Option<bool>("--force") { Description = "Claim ids in no pending list if the entry exists (FORCE)" };
        var justId = new Option<bool>("--just-id") { Description = "Print ids only and leave delivery counts as they are (JUSTID)" };
        var command = CliContext.Verb("claim", "Give pending entries to a consumer (XCLAIM); prints the claimed entries.", name, group, consumer, ids, minIdle, force, justId);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var claimed = await client.ClaimAsync(parseResult.GetRequiredValue(name), parseResult.GetRequiredValue(group), new StreamClaimRequest
            {
                Consumer = parseResult.GetRequiredValue(consumer),
                Ids = [.. parseResult.GetRequiredValue(ids)],
                MinIdleSeconds = parseResult.GetValue(minIdle),
                Force = parseResult.GetValue(force) ? true : null,
                JustId = parseResult.GetValue(justId) ? true : null,
            }, ct).ConfigureAwait(false);
            if (claimed.Ids is { } claimedIds)
            {
                if (context.Json(parseResult))
                    await context.WriteJsonAsync(claimed, OutputJsonContext.Default.StreamClaimResponse).ConfigureAwait(false);
                else
                    await WriteIdsAsync(context, claimedIds).ConfigureAwait(false);
                return 0;
            }

            await WriteEntriesAsync(context, parseResult, claimed.Entries ?? []).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateAutoClaim(CliContext context)
    {
        var name = StreamArgument();
        var group = GroupArgument();
        var consumer = ConsumerArgument();
        var minIdle = Options.Seconds("--min-idle", "Claim only entries idle at least this long [default 0s]");
        var start = new Option<string>("--start") { Description = "Where the scan of the pending list starts: 0-0 (default) or the next id a previous call printed", HelpName = "ID" };
        var count = CountOption(100, "Most entries claimed");
        var justId = new Option<bool>("--just-id") { Description = "Print ids only and leave delivery counts as they are (JUSTID)" };
        var command = CliContext.Verb("autoclaim", "Give idle pending entries to a consumer (XAUTOCLAIM); prints them, then 'next: ID' to continue from.",
            name, group, consumer, minIdle, start, count, justId);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var result = await client.AutoClaimAsync(parseResult.GetRequiredValue(name), parseResult.GetRequiredValue(group), new StreamAutoClaimRequest
            {
                Consumer = parseResult.GetRequiredValue(consumer),
                MinIdleSeconds = parseResult.GetValue(minIdle),
                Start = parseResult.GetValue(start),
                Count = parseResult.GetValue(count),
                JustId = parseResult.GetValue(justId) ? true : null,
            }, ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(result, OutputJsonContext.Default.StreamAutoClaimResponse).ConfigureAwait(false);
                return 0;
            }

            foreach (var entry in result.Entries ?? [])
                await context.Output.WriteLineAsync(Line(entry)).ConfigureAwait(false);
            foreach (var id in result.Ids ?? [])
                await context.Output.WriteLineAsync(id).ConfigureAwait(false);
            foreach (var id in result.Deleted)
                await context.Output.WriteLineAsync($"deleted: {id}").ConfigureAwait(false);
            await context.Output.WriteLineAsync($"next: {result.Next}").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Task WriteGroupAsync(CliContext context, ParseResult parseResult, StreamGroupResponse group, string text) =>
        context.Json(parseResult)
            ? context.WriteJsonAsync(group, OutputJsonContext.Default.StreamGroupResponse)
            : context.Output.WriteLineAsync(text);

    private static Task WriteCountAsync(CliContext context, ParseResult parseResult, string stream, long count, string text) =>
        context.Json(parseResult)
            ? context.WriteJsonAsync(new StreamResultDto(stream, Count: count), OutputJsonContext.Default.StreamResultDto)
            : context.Output.WriteLineAsync(text);

    /// <summary>Entries as one line each (<c>ID FIELD=VALUE...</c>), or <c>{"entries":[...]}</c> with <c>--json</c>; "no entries" on stderr.</summary>
    private static async Task WriteEntriesAsync(CliContext context, ParseResult parseResult, IReadOnlyList<StreamEntryResponse> entries)
    {
        if (context.Json(parseResult))
        {
            await context.WriteJsonAsync(new StreamEntryListResponse([.. entries]), OutputJsonContext.Default.StreamEntryListResponse).ConfigureAwait(false);
            return;
        }

        if (entries.Count == 0)
        {
            await context.Error.WriteLineAsync("no entries").ConfigureAwait(false);
            return;
        }

        foreach (var entry in entries)
            await context.Output.WriteLineAsync(Line(entry)).ConfigureAwait(false);
    }

    /// <summary>Ids (a <c>justId</c> claim's answer) one a line; "no entries" on stderr when there are none.</summary>
    private static async Task WriteIdsAsync(CliContext context, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            await context.Error.WriteLineAsync("no entries").ConfigureAwait(false);
            return;
        }

        foreach (var id in ids)
            await context.Output.WriteLineAsync(id).ConfigureAwait(false);
    }

    /// <summary><c>1 entry</c>, <c>2 entries</c> (with an optional adjective: <c>2 pending entries</c>).</summary>
    private static string Entries(long count, string adjective = "") => $"{Format.Number(count)} {adjective}{(count == 1 ? "entry" : "entries")}";

    /// <summary><c>ID name=value ...</c>; bytes that are not UTF-8 print as <c>name:base64=...</c>; a deleted entry as <c>ID (deleted)</c>.</summary>
    private static string Line(StreamEntryResponse entry) =>
        entry.Fields is not { } fields
            ? entry.Id + " (deleted)"
            : fields.Count == 0
                ? entry.Id
                : entry.Id + " " + string.Join(' ', fields.Select(f =>
                    (f.Name?.ToString() ?? Base64(f.NameBase64) + ":base64") + (f.Value is { } value ? "=" + value : ":base64=" + Base64(f.ValueBase64))));

    private static string Base64(ReadOnlyMemory<byte>? bytes) => Convert.ToBase64String(bytes.GetValueOrDefault().Span);
}
