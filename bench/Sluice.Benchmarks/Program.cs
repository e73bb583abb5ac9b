using BenchmarkDotNet.Running;
using Sluice.Benchmarks;

// `memory [count] [sqlite] [keep]` measures memory per queued message (log store, or SQLite); `reopen <dir>` opens a
// kept log store again; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "memory")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    await MemoryPerMessage.RunAsync(count, args.Contains("sqlite"), args.Contains("keep")).ConfigureAwait(false);
    return;
}

if (args.Length > 1 && args[0] == "reopen")
{
    await MemoryPerMessage.ReopenAsync(args[1]).ConfigureAwait(false);
    return;
}

// `w5 [seconds] [runs]`: W5 embedded, log store against SQLite, in one run.
if (args.Length > 0 && args[0] == "w5")
{
    var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
    var runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
    await W5Harness.RunAsync(seconds, runs, args.Contains("nofsync")).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(EmbeddedRoundTrip).Assembly).Run(args);
