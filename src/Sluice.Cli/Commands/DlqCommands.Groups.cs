using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice dlq groups|delete|move</c>: the dead-letter workspace (docs/design/dead-letters.md).</summary>
internal static partial class DlqCommands
{
    /// <summary>The most characters of a fingerprint the groups table shows.</summary>
    private const int FingerprintWidth = 80;

    private static Option<string> GroupOption(string description, bool required) =>
        new("--group", "-g") { Description = description, HelpName = "ID", Required = required };

    private static Command CreateGroups(CliContext context)
    {
        var queue = new Argument<string>("queue") { Description = "The dead-letter queue" };
        var max = new Option<int>("--max", "-n") { Description = "Most groups to show (largest first), 1 to 1000", DefaultValueFactory = _ => 100, HelpName = "N" }
            .ParsedWithDefault(n => n is >= 1 and <= 1000, "give 1 to 1000");
        var command = new Command("groups", "Group dead letters by failure (exception type, top frames, message with ids masked; the body when there is no error).")
        {
            queue, max,
        };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var queueName = parseResult.GetRequiredValue(queue);
            var list = await client.ListDeadLetterGroupsAsync(queueName, parseResult.GetValue(max), ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(list, OutputJsonContext.Default.DeadLetterGroupListResponse).ConfigureAwait(false);
                return 0;
            }

            if (list.Groups.Count == 0)
            {
                await context.Error.WriteLineAsync($"no messages in '{queueName}'").ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("group", "count", "failure", "first", "last", "source queues");
            foreach (var g in list.Groups)
            {
                var failure = g.ExceptionType is null ? g.Fingerprint : $"{g.ExceptionType}: {g.Fingerprint}";
                if (g.Frames.Count > 0)
                    failure += " @ " + g.Frames[0];
                table.AddRow(
                    g.GroupId,
                    Format.Number(g.Count),
                    Format.Cell(failure.Length > FingerprintWidth ? failure[..(FingerprintWidth - 3)] + "..." : failure),
                    Format.Time(g.FirstDeadLetteredAt),
                    Format.Time(g.LastDeadLetteredAt),
                    Format.Cell(Sources(g.SourceQueues)));
            }

            context.CreateConsole().Write(table);
            var summary = $"{Format.Count(list.Scanned, "message")} in {Format.Count(list.TotalGroups, "group")}";
            if (list.Truncated)
                summary += list.Untracked > 0
                    ? $"; only the largest are shown, and {Format.Count(list.Untracked, "message")} were counted for small groups replaced beyond the 10,000 tracked (some counts are upper bounds)"
                    : $"; only the largest {Format.Number(list.Groups.Count)} are shown (--max)";
            await context.Error.WriteLineAsync(summary).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var queue = new Argument<string>("queue") { Description = "The dead-letter queue" };
        var group = GroupOption("The failure group to delete (from 'sluice dlq groups')", required: true);
        var dryRun = new Option<bool>("--dry-run") { Description = "Change nothing: say how many messages would be deleted and from which source queues" };
        var command = new Command("delete", "Delete the messages of one failure group (leased ones are skipped).") { queue, group, dryRun };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var request = new DeadLetterGroupDeleteRequest { DryRun = parseResult.GetValue(dryRun) ? true : null };
            var result = await client.DeleteGroupAsync(parseResult.GetRequiredValue(queue), parseResult.GetRequiredValue(group), request, ct)
                .ConfigureAwait(false);
            return await WriteActionAsync(context, result, context.Json(parseResult)).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command CreateMove(CliContext context)
    {
        var queue = new Argument<string>("queue") { Description = "The dead-letter queue" };
        var group = GroupOption("The failure group to move (from 'sluice dlq groups')", required: true);
        var to = new Option<string>("--to") { Description = "The queue to move the messages to (same kind: standard or FIFO)", HelpName = "DEST", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Change nothing: say how many messages would move and from which source queues" };
        var command = new Command("move", "Move the messages of one failure group to another queue at once, keeping why they were dead-lettered.")
        {
            queue, group, to, dryRun,
        };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var request = new DeadLetterGroupMoveRequest { Destination = parseResult.GetRequiredValue(to), DryRun = parseResult.GetValue(dryRun) ? true : null };
            var result = await client.MoveGroupAsync(parseResult.GetRequiredValue(queue), parseResult.GetRequiredValue(group), request, ct)
                .ConfigureAwait(false);
            return await WriteActionAsync(context, result, context.Json(parseResult)).ConfigureAwait(false);
        }, ct));
        return command;
    }

    /// <summary>Prints a group action's outcome (or dry-run preview): one JSON document, or one line.</summary>
    private static async Task<int> WriteActionAsync(CliContext context, DeadLetterGroupActionResponse r, bool json)
    {
        if (json)
        {
            await context.WriteJsonAsync(r, OutputJsonContext.Default.DeadLetterGroupActionResponse).ConfigureAwait(false);
            return 0;
        }

        var verb = (r.Action, r.DryRun) switch
        {
            ("delete", true) => "would delete",
            ("delete", false) => "deleted",
            ("move", true) => "would move",
            ("move", false) => "moved",
            (_, true) => "would redrive",
            _ => "redrove",
        };
        var where = r.Destination is not null ? $" to '{r.Destination}'" : r.Action == "redrive" ? " to their source queues" : "";
        var line = $"{(r.DryRun ? "dry run: " : "")}{verb} {Format.Count(r.Affected, "message")} of group {r.GroupId} from '{r.Queue}'{where}";
        if (r.SourceQueues.Count > 0)
            line += $" (from {Sources(r.SourceQueues)})";
        if (r.SkippedLeased > 0)
            line += $"; {Format.Number(r.SkippedLeased)} leased {(r.DryRun ? "would be" : "were")} skipped";
        if (r.SkippedUnmovable > 0)
            line += $"; {Format.Number(r.SkippedUnmovable)} without a source queue or room {(r.DryRun ? "would stay" : "stayed")}";
        await context.Output.WriteLineAsync(line).ConfigureAwait(false);
        return 0;
    }

    private static string Sources(IReadOnlyList<DeadLetterSourceResponse> sources) =>
        string.Join(", ", sources.Select(s => (s.Queue.Length == 0 ? "(none)" : s.Queue) + " " + s.Count.ToString("N0", CultureInfo.InvariantCulture)));
}
