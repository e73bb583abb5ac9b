using System.CommandLine;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice queue create|update|list|show|purge|delete</c>.</summary>
internal static class QueueCommands
{
    public static Command Create(CliContext context)
    {
        var queue = context.ClientCommand("queue", "Create, update, list, show, purge and delete queues.");
        queue.Subcommands.Add(CreateCreate(context));
        queue.Subcommands.Add(CreateUpdate(context));
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
        var options = new QueueOptionSet(forUpdate: false);
        var command = new Command("create", "Create a queue (succeeds when it exists with the same options).") { name };
        foreach (var option in options.All)
            command.Options.Add(option);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(name);
            var body = options.ToJson(parseResult);
            body.Insert(0, "name", queueName);
            var created = await client.CreateQueueAsync(queueName, body, ct).ConfigureAwait(false);
            await WriteQueueAsync(context, parseResult, created, $"queue '{created.Name}' is ready").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateUpdate(CliContext context)
    {
        var name = NameArgument();
        var options = new QueueOptionSet(forUpdate: true);
        var reset = new Option<string[]>("--reset")
        {
            Description = "Restore an option's default (clears --max-receive-count, --dead-letter-queue, --max-length, --max-length-bytes); repeatable",
            HelpName = "OPTION",
        };
        reset.CompletionSources.Add(options.Names);
        reset.Validators.Add(r => { foreach (var t in r.Tokens.Where(t => !options.Names.Contains(t.Value))) r.AddError($"--reset '{t.Value}' is invalid: use {string.Join(", ", options.Names)}"); });
        var command = new Command("update", "Change some options of an existing queue; the options not given keep their values.") { name };
        foreach (var option in options.All)
            command.Options.Add(option);
        command.Options.Add(reset);
        command.Validators.Add(r =>
        {
            // The tokens, not GetValue: a value outside the list is reported by the option itself.
            var resets = r.GetResult(reset)?.Tokens.Select(t => t.Value) ?? [];
            foreach (var option in resets.Where(o => options.Names.Contains(o) && options.IsGiven(r, o)))
                r.AddError($"--{option} is both given and reset: give one of them");
        });
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(name);
            var body = options.ToJson(parseResult);
            foreach (var option in parseResult.GetValue(reset) ?? [])
                body[options.FieldOf(option)] = null;
            if (body.Count == 0)
                return await context.FailAsync("give at least one option to change (see 'sluice queue update --help')", CliApp.UsageError).ConfigureAwait(false);
            var updated = await client.UpdateQueueAsync(queueName, body, ct).ConfigureAwait(false);
            await WriteQueueAsync(context, parseResult, updated, $"queue '{updated.Name}' is updated").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Task WriteQueueAsync(CliContext context, ParseResult parseResult, QueueResponse queue, string text) =>
        context.Json(parseResult)
            ? context.WriteJsonAsync(queue, OutputJsonContext.Default.QueueResponse)
            : context.Output.WriteLineAsync(text);

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List queues with their main options.");
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queues = await client.ListQueuesAsync(ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new QueueListResponse([.. queues]), OutputJsonContext.Default.QueueListResponse).ConfigureAwait(false);
                return 0;
            }

            if (queues.Count == 0)
            {
                await context.Error.WriteLineAsync("no queues: create one with 'sluice queue create NAME'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("queue", "visibility", "max receives", "dead-letter queue", "created");
            foreach (var q in queues)
            {
                table.AddRow(
                    Format.Cell(q.Name), Format.Duration(q.VisibilityTimeoutSeconds), Format.Optional(q.MaxReceiveCount),
                    Format.Cell(Format.Optional(q.DeadLetterQueue)), Format.Time(q.CreatedAt));
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
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new QueueShowDto(q, s), OutputJsonContext.Default.QueueShowDto).ConfigureAwait(false);
                return 0;
            }

            (string Key, string Value)[] rows =
            [
                ("name", q.Name),
                ("created", Format.Time(q.CreatedAt)),
                ("visibility timeout", Format.Duration(q.VisibilityTimeoutSeconds)),
                ("delivery delay", Format.Duration(q.DeliveryDelaySeconds)),
                ("retention period", Format.Duration(q.RetentionPeriodSeconds)),
                ("max message size", Format.Bytes(q.MaxMessageSize)),
                ("max receive count", Format.Optional(q.MaxReceiveCount)),
                ("dead-letter queue", Format.Optional(q.DeadLetterQueue)),
                ("max length", Format.Optional(q.MaxLength)),
                ("max length bytes", Format.Bytes(q.MaxLengthBytes)),
                ("overflow policy", Format.Optional(q.OverflowPolicy)),
                ("dedup window", Format.Duration(q.DeduplicationWindowSeconds)),
                ("fifo", q.Fifo ? "yes" : "no"),
                ("content-based dedup", q.ContentBasedDeduplication ? "yes" : "no"),
                ("dedup scope", Format.Optional(q.DeduplicationScope)),
                ("receive wait", Format.Duration(q.ReceiveWaitTimeSeconds)),
                ("tags", q.Tags is { Count: > 0 } tags ? string.Join(", ", tags.Select(kv => kv.Key + "=" + kv.Value)) : "-"),
                ("ready", Format.Number(s.Ready)),
                ("in flight", Format.Number(s.InFlight)),
                ("delayed", Format.Number(s.Delayed)),
                ("dead-lettered", Format.Number(s.DeadLettered)),
                ("bytes", Format.Bytes(s.Bytes)),
                ("oldest age", Format.Duration(s.OldestAgeSeconds)),
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
            if (context.Json(parseResult))
                await context.WriteJsonAsync(new PurgeResultDto(queueName, purged), OutputJsonContext.Default.PurgeResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"purged {Format.Count(purged, "message")} from '{queueName}'").ConfigureAwait(false);
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
            try
            {
                await client.DeleteQueueAsync(queueName, ct).ConfigureAwait(false);
            }
            catch (CliException e) when (e.Code is ErrorCodes.QueueNotFound)
            {
                // The hint for the verbs that use a queue ("to create it") does not fit this one.
                throw new CliException($"queue '{queueName}' does not exist: nothing to delete (sluice queue list shows the queues)", e.Code, e) { Queue = queueName, SaysWhatToDo = true };
            }
            catch (CliException e) when (e.Code is ErrorCodes.QueueInUse)
            {
                // Name the CLI command that frees the queue (the server names the REST field).
                var users = (await client.ListQueuesAsync(ct).ConfigureAwait(false))
                    .Where(q => q.DeadLetterQueue == queueName).Select(q => q.Name).ToList();
                if (users.Count == 0)
                    throw;
                throw new CliException(
                    $"queue '{queueName}' is the dead-letter queue of {string.Join(", ", users.Select(u => $"'{u}'"))}: change theirs first " +
                    $"({string.Join("; ", users.Select(u => $"sluice queue update {u} --reset dead-letter-queue --reset max-receive-count"))}), then delete it", e.Code, e)
                { Queue = queueName };
            }

            if (context.Json(parseResult))
                await context.WriteJsonAsync(new DeleteResultDto(queueName, Deleted: true), OutputJsonContext.Default.DeleteResultDto).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"deleted queue '{queueName}'").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }
}
