using System.CommandLine;
using Sluice.Cli.Http;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice stats [QUEUE] [--watch]</c>: a table of queue statistics, optionally refreshed in place.</summary>
internal static class StatsCommand
{
    public static Command Create(CliContext context)
    {
        var queue = new Argument<string?>("queue") { Description = "Only this queue [default: every queue]", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh the table in place until Ctrl+C" };
        var interval = Options.Seconds("--interval", "Refresh interval with --watch [default 2s]", minimum: 0.1);
        var command = context.ClientCommand("stats", "Show queue statistics: ready, in flight, delayed, dead-lettered, oldest age and rates.", queue, watch, interval);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var name = parseResult.GetValue(queue);
            var json = context.Json(parseResult);
            var console = context.CreateConsole();
            if (!parseResult.GetValue(watch))
            {
                await WriteAsync(context, console, json, await FetchAsync(client, name, ct).ConfigureAwait(false)).ConfigureAwait(false);
                return 0;
            }

            // --watch: every refresh that fails (the server is down, not yet started, or restarting) is reported and
            // retried, the first one included.
            var period = TimeSpan.FromSeconds(parseResult.GetValue(interval) ?? 2);
            var retrying = $"retrying every {Format.Duration(period)}; Ctrl+C stops";
            try
            {
                var (stats, error) = await TryFetchAsync(client, name, ct).ConfigureAwait(false);
                using var timer = new PeriodicTimer(period);
                if (!json && console.Profile.Capabilities.Ansi && console.Profile.Capabilities.Interactive)
                {
                    // A terminal: redraw the table (or the error) in place.
                    IRenderable View() => stats is null
                        ? new Markup($"[red]error:[/] {Format.Cell(error!)}\n{retrying}")
                        : BuildTable(stats);
                    await console.Live(View()).StartAsync(async live =>
                    {
                        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                        {
                            (stats, error) = await TryFetchAsync(client, name, ct).ConfigureAwait(false);
                            live.UpdateTarget(View());
                            live.Refresh();
                        }
                    }).ConfigureAwait(false);
                }
                else
                {
                    // Redirected output or --json: append one table (one JSON line) per refresh, errors to stderr.
                    var first = true;
                    do
                    {
                        if (stats is null)
                        {
                            await context.Error.WriteLineAsync($"error: {error} ({retrying})").ConfigureAwait(false);
                        }
                        else
                        {
                            if (!first && !json)
                                console.WriteLine();
                            await WriteAsync(context, console, json, stats).ConfigureAwait(false);
                            first = false;
                        }

                        if (!await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                            break;
                        (stats, error) = await TryFetchAsync(client, name, ct).ConfigureAwait(false);
                    }
                    while (true);
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

    private static async Task WriteAsync(CliContext context, IAnsiConsole console, bool json, IReadOnlyList<StatsResponse> stats)
    {
        if (json)
            await context.WriteJsonAsync(new StatsListResponse([.. stats]), OutputJsonContext.Default.StatsListResponse).ConfigureAwait(false);
        else
            console.Write(BuildTable(stats));
    }

    private static async Task<IReadOnlyList<StatsResponse>> FetchAsync(SluiceHttpClient client, string? queue, CancellationToken ct) =>
        queue is null ? await client.GetAllStatsAsync(ct).ConfigureAwait(false) : [await client.GetStatsAsync(queue, ct).ConfigureAwait(false)];

    /// <summary>One refresh of <c>--watch</c>: the statistics, or why they could not be fetched.</summary>
    private static async Task<(IReadOnlyList<StatsResponse>? Stats, string? Error)> TryFetchAsync(SluiceHttpClient client, string? queue, CancellationToken ct)
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

    internal static Table BuildTable(IReadOnlyList<StatsResponse> stats)
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
                Format.Cell(s.Queue), Format.Number(s.Ready), Format.Number(s.InFlight), Format.Number(s.Delayed),
                Format.Number(s.DeadLettered), Format.Duration(s.OldestAgeSeconds), Format.Rate(s.PublishRate), Format.Rate(s.AckRate));
        }

        if (stats.Count == 0)
            table.Caption("no queues");
        return table;
    }
}
