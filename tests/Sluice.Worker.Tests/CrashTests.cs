using System.Diagnostics;
using System.Text;
using Sluice.Storage.Sqlite;

namespace Sluice.Worker.Tests;

/// <summary>A real worker process (the test host: the in-process client on a SQLite file) killed with kill -9 mid-job.</summary>
public sealed class CrashTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-worker-crash-" + Guid.NewGuid().ToString("N"));

    public CrashTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task KillDashNine_MidJob_JobRunsAgainAfterLeaseExpiryAndCompletesOnce()
    {
        var db = Path.Combine(_directory, "jobs.db");
        var completions = Path.Combine(_directory, "completions.txt");

        Guid jobId;
        await using (var crashing = HostProcess.Start(db, completions, "hang", enqueue: true))
        {
            var enqueued = await crashing.WaitForLineAsync("enqueued ");
            jobId = Guid.Parse(enqueued["enqueued ".Length..]);
            await crashing.WaitForLineAsync($"started {jobId} 1");
            await crashing.KillAsync(); // kill -9 while the job runs: no shutdown code, the lease is never released
        }

        await using (var second = HostProcess.Start(db, completions, "complete", enqueue: false))
        {
            await second.WaitForLineAsync($"started {jobId} 2"); // the lease (2 s) expired: the job is delivered again
            await second.WaitForLineAsync($"completed {jobId}");
            await second.WaitForLineAsync($"succeeded {jobId}");
            await second.KillAsync();
        }

        Assert.Equal([jobId.ToString()], await File.ReadAllLinesAsync(completions));
        await using var broker = new Broker(new SqliteMessageStore(new SqliteStoreOptions { Path = db }));
        await broker.StartAsync();
        Assert.Empty(await broker.PeekAsync("crash", 10));      // acked: it never comes back
        Assert.Empty(await broker.PeekAsync("crash-dead", 10));
    }

    private sealed class HostProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly SemaphoreSlim _changed = new(0);

        private HostProcess(Process process) => _process = process;

        public static HostProcess Start(string db, string completions, string mode, bool enqueue)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sluice.Worker.TestHost.dll"));
            foreach (var arg in enqueue ? [db, completions, mode, "enqueue"] : new[] { db, completions, mode })
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker test host");
            var host = new HostProcess(process);
            process.OutputDataReceived += (_, e) => host.Append(e.Data);
            process.ErrorDataReceived += (_, e) => host.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return host;
        }

        /// <summary>Waits (real time, at most 60 s) for a line starting with <paramref name="prefix"/>.</summary>
        public async Task<string> WaitForLineAsync(string prefix)
        {
            var watch = Stopwatch.StartNew();
            while (true)
            {
                lock (_lines)
                {
                    if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
                    {
                        return line;
                    }
                }

                if (watch.Elapsed > TimeSpan.FromSeconds(60) || (_process.HasExited && !await _changed.WaitAsync(100)))
                {
                    Assert.Fail($"no line '{prefix}...' from the worker process (exited: {_process.HasExited}); output:\n{Output()}");
                }

                await _changed.WaitAsync(TimeSpan.FromSeconds(1));
            }
        }

        public async Task KillAsync()
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                await KillAsync();
            }

            _process.Dispose();
            _changed.Dispose();
        }

        private string Output()
        {
            lock (_lines)
            {
                return new StringBuilder().AppendJoin('\n', _lines).ToString();
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(line);
            }

            _changed.Release();
        }
    }
}
