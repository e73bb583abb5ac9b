using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sluice.Client;

namespace Sluice.Worker.Tests;

/// <summary>
/// One worker (its own service provider and hosted service) over a broker on the in-memory store and a fake clock;
/// <see cref="AddWorkerAsync"/> adds another worker on the same broker (another process, as far as the broker knows).
/// </summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(20);
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<IHostedService> _workers = [];

    private WorkerHarness(FakeTimeProvider time, Broker broker)
    {
        Time = time;
        Broker = broker;
        Client = new InProcessSluiceClient(broker);
    }

    public FakeTimeProvider Time { get; }

    public Broker Broker { get; }

    public ISluiceClient Client { get; }

    public Probe Probe { get; } = new();

    public CapturingLogger Logs { get; } = new();

    /// <summary>The first worker's job client.</summary>
    public IJobClient Jobs { get; private set; } = null!;

    public IHostedService Worker => _workers[0];

    public DateTimeOffset Now => Time.GetUtcNow();

    public static async Task<WorkerHarness> StartAsync(Action<SluiceWorkerBuilder> configure, bool startWorker = true)
    {
        var time = new FakeTimeProvider(Start);
        var broker = new Broker(new InMemory.InMemoryMessageStore(time), new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, time);
        await broker.StartAsync();
        var harness = new WorkerHarness(time, broker);
        harness.Jobs = await harness.AddWorkerAsync(configure, startWorker);
        return harness;
    }

    /// <summary>Adds a worker over the same broker; returns its job client.</summary>
    public async Task<IJobClient> AddWorkerAsync(Action<SluiceWorkerBuilder> configure, bool start = true)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(Probe);
        services.AddSingleton<ISluiceClient>(Client);
        services.AddLogging(l => l.AddProvider(new CapturingLoggerProvider(Logs)));
        services.AddSluiceWorker(w =>
        {
            w.JsonContext = TestJson.Default;
            w.Options.WorkerId = $"worker-{_providers.Count + 1}";
            configure(w);
        });
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var worker = provider.GetServices<IHostedService>().Single();
        _workers.Add(worker);
        if (start)
        {
            await worker.StartAsync(CancellationToken.None);
        }

        return provider.GetRequiredService<IJobClient>();
    }

    public Task StopAsync(int worker = 0) => _workers[worker].StopAsync(CancellationToken.None);

    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > RealTimeout)
            {
                Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > RealTimeout)
            {
                Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}");
            }

            await Task.Delay(1);
        }
    }

    public async Task<JobStatus> WaitForStateAsync(Guid jobId, JobState state)
    {
        JobStatus? status = null;
        await WaitUntilAsync(async () => (status = await Jobs.GetStatusAsync(jobId))?.State == state,
            $"job {jobId} is {state} (now {status?.State}; log: {string.Join(" | ", Logs.Entries.Select(e => e.Message))})");
        return status!;
    }

    public async Task<QueueMessage> PeekOneAsync(string queue) => Assert.Single(await Client.PeekAsync(queue, 10));

    public async ValueTask DisposeAsync()
    {
        Probe.ReleaseAll();
        foreach (var worker in _workers)
        {
            await worker.StopAsync(CancellationToken.None).WaitAsync(RealTimeout);
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }
}

/// <summary>What test handlers do and what they saw: runs per job, gates that hold a job until released, failures to throw.</summary>
internal sealed class Probe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();

    public ConcurrentQueue<(string Name, int Attempt, string Worker)> Runs { get; } = new();

    public ConcurrentQueue<string> Cancelled { get; } = new();

    private readonly ConcurrentDictionary<string, byte> _deaf = new();

    public ConcurrentQueue<string> Completed { get; } = new();

    private int _running;
    private int _maxRunning;

    public int Running => Volatile.Read(ref _running);

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    /// <summary>Failures to throw, per job name: the first attempts throw these, in order.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<Exception>> Failures { get; } = new();

    public int RunsOf(string name) => Runs.Count(r => r.Name == name);

    public void Hold(string name) => _gates[name] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Holds <paramref name="name"/> until released, ignoring its cancellation token (a handler that does not watch it).</summary>
    public void HoldIgnoringCancellation(string name)
    {
        Hold(name);
        _deaf[name] = 0;
    }

    public void Release(string name)
    {
        if (_gates.TryGetValue(name, out var gate))
        {
            gate.TrySetResult();
        }
    }

    public void ReleaseAll()
    {
        foreach (var gate in _gates.Values)
        {
            gate.TrySetResult();
        }
    }

    public async ValueTask RunAsync(string name, JobContext context, CancellationToken cancellationToken)
    {
        Runs.Enqueue((name, context.Attempt, context.WorkerId));
        var now = Interlocked.Increment(ref _running);
        int max;
        while (now > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, max) != max)
        {
        }

        try
        {
            if (_gates.TryGetValue(name, out var gate))
            {
                try
                {
                    await gate.Task.WaitAsync(_deaf.ContainsKey(name) ? CancellationToken.None : cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled.Enqueue(name);
                    throw;
                }
            }

            if (Failures.TryGetValue(name, out var failures) && failures.TryDequeue(out var failure))
            {
                throw failure;
            }

            Completed.Enqueue(name);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

internal sealed record TestJob(string Name, string Customer = "c1");

internal sealed record FollowUpJob(string Name, int Length);

internal sealed record TestResult(int Length);

internal sealed class TestJobHandler(Probe probe) : IJobHandler<TestJob>
{
    public async ValueTask HandleAsync(TestJob job, JobContext context, CancellationToken cancellationToken)
    {
        await probe.RunAsync(job.Name, context, cancellationToken);
        await context.ReportProgressAsync(0.5, "half way", cancellationToken);
        context.SetResult(new TestResult(job.Name.Length), TestJson.Default.TestResult);
    }
}

internal sealed class FollowUpJobHandler(Probe probe) : IJobHandler<FollowUpJob>
{
    public ValueTask HandleAsync(FollowUpJob job, JobContext context, CancellationToken cancellationToken) =>
        probe.RunAsync(job.Name, context, cancellationToken);
}

[JsonSerializable(typeof(TestJob))]
[JsonSerializable(typeof(FollowUpJob))]
[JsonSerializable(typeof(TestResult))]
internal sealed partial class TestJson : JsonSerializerContext;

internal sealed class CapturingLogger
{
    public ConcurrentQueue<(int EventId, string Message)> Entries { get; } = new();

    public bool Has(int eventId) => Entries.Any(e => e.EventId == eventId);
}

internal sealed class CapturingLoggerProvider(CapturingLogger sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(sink);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLogger sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Entries.Enqueue((eventId.Id, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
