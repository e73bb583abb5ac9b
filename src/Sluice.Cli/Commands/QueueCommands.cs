using System.CommandLine;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice queue create|list|show|purge|delete</c>.</summary>
internal static class QueueCommands
{
    public static Command Create(CliContext context)
    {
        var queue = new Command("queue", "Create, list, show, purge and delete queues.");
        queue.Subcommands.Add(CreateCreate(context));
        queue.Subcommands.Add(CreateList(context));
        queue.Subcommands.Add(CreateShow(context));
        queue.Subcommands.Add(CreatePurge(context));
        queue.Subcommands.Add(CreateDelete(context));
        return queue;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The queue name (1-80 characters from A-Z a-z 0-9 - _)" };

    private static Command CreateCreate(CliContext context)
    {
        var name = NameArgument();
        var visibility = Options.Seconds("--visibility-timeout", "Lease given to received messages [default 30s]");
        var delay = Options.Seconds("--delay", "Delay applied to messages sent without one [default 0]");
        var retention = Options.Seconds("--retention", "How long an unreceived message is kept [default 4 days]");
        var maxSize = Options.Positive<int>("--max-message-size", "BYTES", "Largest body accepted [default 1048576]");
        var maxReceive = Options.Positive<int>("--max-receive-count", "N", "Receives after which a message moves to the dead-letter queue (needs --dead-letter-queue)");
        var dlq = new Option<string>("--dead-letter-queue") { Description = "The queue that receives this queue's dead letters (it must exist)", HelpName = "QUEUE" };
        var maxLength = Options.Positive<long>("--max-length", "N", "Most messages the queue holds [default unbounded]");
        var maxBytes = Options.Positive<long>("--max-length-bytes", "BYTES", "Most body bytes the queue holds [default unbounded]");
        var overflow = new Option<string>("--overflow") { Description = "What a send past --max-length or --max-length-bytes does [default reject]" };
        overflow.AcceptOnlyFromAmong("reject", "drop-head", "dead-letter-head");
        var dedup = Options.Seconds("--dedup-window", "How long a deduplication id is remembered [default 300s; 0 = off]");
        var fifo = new Option<bool>("--fifo") { Description = "A FIFO queue: strict order within a message group (the name must end in .fifo; fixed at creation)" };
        var contentDedup = new Option<bool>("--content-based-dedup") { Description = "FIFO only: a message without --dedup-id is deduplicated by a hash of its body" };
        var dedupScope = new Option<string>("--dedup-scope") { Description = "Where deduplication ids are unique [default queue]" };
        dedupScope.AcceptOnlyFromAmong("queue", "message-group");
        var receiveWait = Options.Seconds("--receive-wait", "Long-poll wait of a receive that names none, 0-20 [default 0]");
        var tags = new Option<string[]>("--tag") { Description = "A tag key=value (repeatable)", HelpName = "KEY=VALUE" };
        tags.Validators.Add(r =>
        {
            foreach (var tag in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (tag.IndexOf('=', StringComparison.Ordinal) <= 0)
                    r.AddError($"--tag '{tag}' is invalid: use key=value");
            }
        });

        var command = new Command("create", "Create a queue (succeeds when it exists with the same options).")
        {
            name, visibility, delay, retention, maxSize, maxReceive, dlq, maxLength, maxBytes, overflow, dedup,
            fifo, contentDedup, dedupScope, receiveWait, tags,
        };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var request = new CreateQueueRequest
            {
                Name = parseResult.GetRequiredValue(name),
                VisibilityTimeoutSeconds = parseResult.GetValue(visibility),
                DeliveryDelaySeconds = parseResult.GetValue(delay),
                RetentionPeriodSeconds = parseResult.GetValue(retention),
                MaxMessageSize = parseResult.GetValue(maxSize),
                MaxReceiveCount = parseResult.GetValue(maxReceive),
                DeadLetterQueue = parseResult.GetValue(dlq),
                MaxLength = parseResult.GetValue(maxLength),
                MaxLengthBytes = parseResult.GetValue(maxBytes),
                OverflowPolicy = parseResult.GetValue(overflow),
                DeduplicationWindowSeconds = parseResult.GetValue(dedup),
                Fifo = parseResult.GetValue(fifo) ? true : null,
                ContentBasedDeduplication = parseResult.GetValue(contentDedup) ? true : null,
                DeduplicationScope = parseResult.GetValue(dedupScope) switch
                {
                    "message-group" => "messageGroup",
                    var other => other,
                },
                ReceiveWaitTimeSeconds = parseResult.GetValue(receiveWait),
                Tags = parseResult.GetValue(tags) is { Length: > 0 } t
                    ? t.Select(x => x.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal)
                    : null,
            };
            var created = await client.CreateQueueAsync(request, ct).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"queue '{created.Name}' is ready").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List queues with their main options.");
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queues = await client.ListQueuesAsync(ct).ConfigureAwait(false);
            if (queues.Count == 0)
            {
                await context.Error.WriteLineAsync("no queues: create one with 'sluice queue create NAME'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("queue", "visibility", "max receives", "dead-letter queue", "created");
            foreach (var q in queues)
            {
                table.AddRow(
                    Markup.Escape(q.Name), Format.Seconds(q.VisibilityTimeoutSeconds), Format.Optional(q.MaxReceiveCount),
                    Markup.Escape(Format.Optional(q.DeadLetterQueue)), Format.Time(q.CreatedAt));
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var name = NameArgument();
        var command = new Command("show", "Show a queue's options and statistics.") { name };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(name);
            var q = await client.GetQueueAsync(queueName, ct).ConfigureAwait(false);
            var s = await client.GetStatsAsync(queueName, ct).ConfigureAwait(false);
            (string Key, string Value)[] rows =
            [
                ("name", q.Name),
                ("created", Format.Time(q.CreatedAt)),
                ("visibility timeout", Format.Seconds(q.VisibilityTimeoutSeconds)),
                ("delivery delay", Format.Seconds(q.DeliveryDelaySeconds)),
                ("retention period", Format.Seconds(q.RetentionPeriodSeconds)),
                ("max message size", Format.Bytes(q.MaxMessageSize)),
                ("max receive count", Format.Optional(q.MaxReceiveCount)),
                ("dead-letter queue", Format.Optional(q.DeadLetterQueue)),
                ("max length", Format.Optional(q.MaxLength)),
                ("max length bytes", Format.Bytes(q.MaxLengthBytes)),
                ("overflow policy", Format.Optional(q.OverflowPolicy)),
                ("dedup window", Format.Seconds(q.DeduplicationWindowSeconds)),
                ("fifo", q.Fifo ? "yes" : "no"),
                ("content-based dedup", q.ContentBasedDeduplication ? "yes" : "no"),
                ("dedup scope", q.DeduplicationScope == "messageGroup" ? "message-group" : Format.Optional(q.DeduplicationScope)),
                ("receive wait", Format.Seconds(q.ReceiveWaitTimeSeconds)),
                ("tags", q.Tags is { Count: > 0 } tags ? string.Join(", ", tags.Select(kv => kv.Key + "=" + kv.Value)) : "-"),
                ("ready", Format.Number(s.Ready)),
                ("in flight", Format.Number(s.InFlight)),
                ("delayed", Format.Number(s.Delayed)),
                ("dead-lettered", Format.Number(s.DeadLettered)),
                ("bytes", Format.Bytes(s.Bytes)),
                ("oldest age", Format.Seconds(s.OldestAgeSeconds)),
                ("publish/s", Format.Rate(s.PublishRate)),
                ("ack/s", Format.Rate(s.AckRate)),
                ("waiting receivers", Format.Number(s.WaitingReceivers)),
            ];
            var width = rows.Max(r => r.Key.Length) + 2;
            foreach (var (key, value) in rows)
                await context.Output.WriteLineAsync(key.PadRight(width) + value).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreatePurge(CliContext context)
    {
        var name = NameArgument();
        var command = new Command("purge", "Delete every message in a queue (the queue stays).") { name };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(name);
            var purged = await client.PurgeQueueAsync(queueName, ct).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"purged {Format.Number(purged)} messages from '{queueName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a queue and its messages.") { name };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(name);
            await client.DeleteQueueAsync(queueName, ct).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"deleted queue '{queueName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }
}
