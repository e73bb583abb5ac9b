using System.CommandLine;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice stats [QUEUE] [--watch]</c>: a table of queue statistics, optionally refreshed in place.</summary>
internal static class StatsCommand
{
    public static Command Create(CliContext context)
    {
        var queue = new Argument<string?>("queue") { Description = "Only this queue [default: every queue]", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh the table in place until Ctrl+C" };
        var interval = Options.Seconds("--interval", "Refresh interval with --watch [default 2s]", minimum: 0.1);
        var command = new Command("stats", "Show queue statistics: ready, in flight, delayed, dead-lettered, oldest age and rates.") { queue, watch, interval };
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var name = parseResult.GetValue(queue);
            var console = context.CreateConsole();
            var table = BuildTable(await FetchAsync(client, name, ct).ConfigureAwait(false));
            if (!parseResult.GetValue(watch))
            {
                console.Write(table);
                return 0;
            }

            var period = TimeSpan.FromSeconds(parseResult.GetValue(interval) ?? 2);
            try
            {
                if (console.Profile.Capabilities.Ansi && console.Profile.Capabilities.Interactive)
                {
                    // A terminal: redraw the table in place.
                    await console.Live(table).StartAsync(async live =>
                    {
                        using var timer = new PeriodicTimer(period);
                        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                        {
                            // A failed refresh (the server is down or restarting) is shown in place and retried.
                            var (stats, error) = await TryFetchAsync(client, name, ct).ConfigureAwait(false);
                            live.UpdateTarget(stats is null
                                ? new Markup($"[red]error:[/] {Markup.Escape(error!)}\nretrying every {period.TotalSeconds:0.#}s; Ctrl+C stops")
                                : BuildTable(stats));
                            live.Refresh();
                        }
                    }).ConfigureAwait(false);
                }
                else
                {
                    // Redirected output: append one table per refresh.
                    console.Write(table);
                    using var timer = new PeriodicTimer(period);
                    while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                    {
                        // A failed refresh (the server is down or restarting) is reported and retried.
                        var (stats, error) = await TryFetchAsync(client, name, ct).ConfigureAwait(false);
                        if (stats is null)
                        {
                            await context.Error.WriteLineAsync($"error: {error} (retrying; Ctrl+C stops)").ConfigureAwait(false);
                            continue;
                        }

                        console.WriteLine();
                        console.Write(BuildTable(stats));
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C ends --watch normally.
            }

            return 0;
        }, ct));
        return command;
    }

    private static async Task<IReadOnlyList<StatsDto>> FetchAsync(SluiceHttpClient client, string? queue, CancellationToken ct) =>
        queue is null ? await client.GetAllStatsAsync(ct).ConfigureAwait(false) : [await client.GetStatsAsync(queue, ct).ConfigureAwait(false)];

    /// <summary>One refresh of <c>--watch</c>: the statistics, or why they could not be fetched.</summary>
    private static async Task<(IReadOnlyList<StatsDto>? Stats, string? Error)> TryFetchAsync(SluiceHttpClient client, string? queue, CancellationToken ct)
    {
        try
        {
            return (await FetchAsync(client, queue, ct).ConfigureAwait(false), null);
        }
        catch (CliException e)
        {
            return (null, e.Message);
        }
    }

    internal static Table BuildTable(IReadOnlyList<StatsDto> stats)
    {
        var table = new Table()
            .AddColumn("queue")
            .AddColumn(new TableColumn("ready").RightAligned())
            .AddColumn(new TableColumn("in flight").RightAligned())
            .AddColumn(new TableColumn("delayed").RightAligned())
            .AddColumn(new TableColumn("dead-lettered").RightAligned())
            .AddColumn(new TableColumn("oldest age").RightAligned())
            .AddColumn(new TableColumn("publish/s").RightAligned())
            .AddColumn(new TableColumn("ack/s").RightAligned());
        foreach (var s in stats)
        {
            table.AddRow(
                Markup.Escape(s.Queue), Format.Number(s.Ready), Format.Number(s.InFlight), Format.Number(s.Delayed),
                Format.Number(s.DeadLettered), Format.Seconds(s.OldestAgeSeconds), Format.Rate(s.PublishRate), Format.Rate(s.AckRate));
        }

        if (stats.Count == 0)
            table.Caption("no queues");
        return table;
    }
}
