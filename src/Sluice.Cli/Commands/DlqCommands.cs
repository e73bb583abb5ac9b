using System.CommandLine;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice dlq list|groups|redrive|delete|move</c>.</summary>
internal static partial class DlqCommands
{
    /// <summary>How often <c>redrive --wait</c> asks the server for progress.</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public static Command Create(CliContext context)
    {
        var dlq = context.ClientCommand("dlq", "Inspect dead-letter queues and move their messages back.");
        dlq.Subcommands.Add(CreateList(context));
        dlq.Subcommands.Add(CreateGroups(context));
        dlq.Subcommands.Add(CreateRedrive(context));
        dlq.Subcommands.Add(CreateDelete(context));
        dlq.Subcommands.Add(CreateMove(context));
        return dlq;
    }

    private static Command CreateList(CliContext context)
    {
        var queue = new Argument<string>("queue") { Description = "The dead-letter queue" };
        var max = new Option<int>("--max", "-n") { Description = "Most messages to show", DefaultValueFactory = _ => 10, HelpName = "N" }
            .ParsedWithDefault(n => n >= 1, "give 1 or more");
        var command = new Command("list", "Peek at a dead-letter queue (no lease is taken).") { queue, max };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(queue);
            var messages = await client.PeekAsync(queueName, parseResult.GetValue(max), ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new MessageListResponse([.. messages]), OutputJsonContext.Default.MessageListResponse).ConfigureAwait(false);
                return 0;
            }

            if (messages.Count == 0)
            {
                await context.Error.WriteLineAsync($"no messages in '{queueName}'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("id", "source", "reason", "attempts", "last error", "dead-lettered at");
            foreach (var m in messages)
            {
                var d = m.DeadLetter;
                table.AddRow(
                    m.MessageId.ToString(),
                    Format.Cell(Format.Optional(d?.SourceQueue)),
                    Format.Cell(Format.Optional(d?.Reason)),
                    d is null ? "-" : d.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Format.Cell(Format.Optional(d?.LastError)),
                    Format.Time(d?.DeadLetteredAt));
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateRedrive(CliContext context)
    {
        var queue = new Argument<string>("queue") { Description = "The dead-letter queue to drain" };
        var to = new Option<string>("--to") { Description = "Move messages to this queue [default: each message's source queue]", HelpName = "DEST" };
        var rate = new Option<int?>("--rate") { Description = "Most messages moved per second [server default 100]", HelpName = "N" }
            .Parsed(n => n >= 1, "give 1 or more messages per second");
        var wait = new Option<bool>("--wait") { Description = "Show progress until the redrive finishes (Ctrl+C cancels it on the server)" };
        var group = GroupOption("Redrive only this failure group (from 'sluice dlq groups')", required: false);
        var dryRun = new Option<bool>("--dry-run") { Description = "With --group: change nothing, say how many messages would move and from which source queues" };
        var command = new Command("redrive", "Move dead letters (or one failure group) back to their source queue (or --to DEST), rate-limited.")
        {
            queue, to, rate, wait, group, dryRun,
        };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var dlqName = parseResult.GetRequiredValue(queue);
            var groupId = parseResult.GetValue(group);
            var json = context.Json(parseResult);
            RedriveResponse task;
            if (groupId is null)
            {
                if (parseResult.GetValue(dryRun))
                    return await context.FailAsync("--dry-run needs --group: a dry run previews one failure group (list them with 'sluice dlq groups QUEUE')", CliApp.UsageError).ConfigureAwait(false);
                var request = new RedriveRequest { Destination = parseResult.GetValue(to), MaxPerSecond = parseResult.GetValue(rate) };
                task = await client.StartRedriveAsync(dlqName, request, ct).ConfigureAwait(false);
            }
            else
            {
                var result = await client.RedriveGroupAsync(dlqName, groupId, new DeadLetterGroupRedriveRequest
                {
                    Destination = parseResult.GetValue(to),
                    MaxPerSecond = parseResult.GetValue(rate),
                    DryRun = parseResult.GetValue(dryRun) ? true : null,
                }, ct).ConfigureAwait(false);
                if (result.Redrive is not { } started)
                    return await WriteActionAsync(context, result, json).ConfigureAwait(false);
                task = started;
            }

            if (json)
            {
                await context.WriteJsonAsync(task, OutputJsonContext.Default.RedriveResponse).ConfigureAwait(false);
            }
            else
            {
                var destination = task.Destination is null ? "their source queues" : $"'{task.Destination}'";
                var what = groupId is null ? Format.Count(task.Total, "message") : $"{Format.Count(task.Total, "message")} of group {groupId}";
                await context.Output.WriteLineAsync(
                    $"redrive {task.Id} started: moving {what} from '{dlqName}' to {destination} at {task.MaxPerSecond}/s").ConfigureAwait(false);
            }

            return parseResult.GetValue(wait) ? await WaitAsync(context, client, task, json, ct).ConfigureAwait(false) : 0;
        }, ct));
        return command;
    }

    private static async Task<int> WaitAsync(CliContext context, SluiceHttpClient client, RedriveResponse task, bool json, CancellationToken ct)
    {
        var lastMoved = task.Moved;
        try
        {
            while (true)
            {
                if (!string.Equals(task.State, "running", StringComparison.OrdinalIgnoreCase))
                    break;
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
                task = await client.GetRedriveAsync(task.Id, ct).ConfigureAwait(false);
                if (task.Moved != lastMoved || !string.Equals(task.State, "running", StringComparison.OrdinalIgnoreCase))
                {
                    // Progress, or the end: one line (or one JSON document) each.
                    lastMoved = task.Moved;
                    if (json)
                        await context.WriteJsonAsync(task, OutputJsonContext.Default.RedriveResponse).ConfigureAwait(false);
                    else if (string.Equals(task.State, "running", StringComparison.OrdinalIgnoreCase))
                        await context.Output.WriteLineAsync($"moved {Format.Number(task.Moved)} of {Format.Count(task.Total, "message")}").ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C: cancel the task on the server too (messages moved so far stay moved).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            task = await client.CancelRedriveAsync(task.Id, timeout.Token).ConfigureAwait(false);
            await context.Error.WriteLineAsync(
                $"redrive {task.Id} cancelled: moved {Format.Number(task.Moved)} of {Format.Count(task.Total, "message")}").ConfigureAwait(false);
            return CliApp.Cancelled;
        }

        var summary = $"redrive {task.Id} {task.State}: moved {Format.Number(task.Moved)} of {Format.Count(task.Total, "message")}";
        if (string.Equals(task.State, "completed", StringComparison.OrdinalIgnoreCase))
        {
            if (!json)
                await context.Output.WriteLineAsync(summary).ConfigureAwait(false);
            return 0;
        }

        return await context.FailAsync(task.Error is null ? summary : summary + ": " + task.Error).ConfigureAwait(false);
    }
}
