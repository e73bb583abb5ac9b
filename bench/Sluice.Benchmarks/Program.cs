using BenchmarkDotNet.Running;
using Sluice.Benchmarks;

// `memory [count]` measures memory per queued message; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "memory")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    await MemoryPerMessage.RunAsync(count).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(EmbeddedRoundTrip).Assembly).Run(args);
