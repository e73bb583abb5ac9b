using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;
using Sluice.Server.Hosting;
using Sluice.Storage;

namespace Sluice.Server.Tests.Operations;

/// <summary>/healthz/live and /healthz/ready on a real server: ready follows the store's writes and the free disk space.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Ready_StoreWritesAndDiskHasRoom_AnswersOk()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options(SluiceServerOptions.LogStore), freeDisk: _ => long.MaxValue);
        await using var _ = server;
        using var __ = client;

        var ready = await GetJsonAsync(client, SluiceServer.ReadyPath, HttpStatusCode.OK);
        var live = await GetJsonAsync(client, SluiceServer.LivePath, HttpStatusCode.OK);

        Assert.Equal("healthy", ready.GetProperty("status").GetString());
        Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.Equal("healthy", live.GetProperty("status").GetString());
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Ready_StoreWritesFail_Answers503WithReasonWhileLiveStaysOk()
    {
        FailingWritesStore? store = null;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options(),
            store: t => store = new FailingWritesStore(new InMemoryMessageStore(t)), time: time);
        await using var _ = server;
        using var __ = client;
        await GetJsonAsync(client, SluiceServer.ReadyPath, HttpStatusCode.OK);

        store!.Fail = true;
        time.Advance(Sluice.Server.Internal.ReadinessCheck.CacheFor); // past the check's one-second cache
        var ready = await GetJsonAsync(client, SluiceServer.ReadyPath, HttpStatusCode.ServiceUnavailable);
        var live = await GetJsonAsync(client, SluiceServer.LivePath, HttpStatusCode.OK);

        Assert.Equal("unhealthy", ready.GetProperty("status").GetString());
        var reason = ready.GetProperty("checks").GetProperty("store").GetProperty("description").GetString();
        Assert.Contains("the store cannot write (storage_failed)", reason, StringComparison.Ordinal);
        Assert.Equal("healthy", live.GetProperty("status").GetString());
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Ready_FreeDiskUnderThreshold_Answers503NamingTheSetting()
    {
        var options = OperationsServers.Options(SluiceServerOptions.LogStore) with { Health = new HealthOptions { MinFreeDiskBytes = 1_000_000 } };
        string? asked = null;
        var (server, client) = await OperationsServers.StartAsync(options, freeDisk: path => { asked = path; return 999_999; });
        await using var _ = server;
        using var __ = client;

        var ready = await GetJsonAsync(client, SluiceServer.ReadyPath, HttpStatusCode.ServiceUnavailable);
        var live = await GetJsonAsync(client, SluiceServer.LivePath, HttpStatusCode.OK);

        var reason = ready.GetProperty("checks").GetProperty("store").GetProperty("description").GetString();
        Assert.Contains("999999 bytes free", reason, StringComparison.Ordinal);
        Assert.Contains("Sluice:Health:MinFreeDiskBytes (1000000)", reason, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(options.DataDirectory), asked);
        Assert.Equal("healthy", live.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_RealDiskReader_ReadsTheDataDirectoryVolume()
    {
        // No reader injected: the real free space of the temp volume is far above a 1-byte threshold.
        var options = OperationsServers.Options(SluiceServerOptions.LogStore) with { Health = new HealthOptions { MinFreeDiskBytes = 1 } };
        var (server, client) = await OperationsServers.StartAsync(options);
        await using var _ = server;
        using var __ = client;

        await GetJsonAsync(client, SluiceServer.ReadyPath, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(-1L)]
    public void Validate_NegativeMinFreeDiskBytes_NamesTheSetting(long value)
    {
        var options = new SluiceServerOptions { Health = new HealthOptions { MinFreeDiskBytes = value } };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal("Sluice:Health:MinFreeDiskBytes", error.ParamName);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The in-memory store whose key-value writes fail with storage_failed once <see cref="Fail"/> is set (as a full or read-only disk makes them).</summary>
    private sealed class FailingWritesStore(InMemoryMessageStore inner) : DelegatingStore(inner), IKeyValueStore
    {
        public volatile bool Fail;

        public ValueTask<KeyValueRecord?> GetKeyValueAsync(string key, CancellationToken cancellationToken = default) => ((IKeyValueStore)inner).GetKeyValueAsync(key, cancellationToken);

        public ValueTask<KeyValueRecord> SetKeyValueAsync(string key, ReadOnlyMemory<byte> value, long? expectedVersion, TimeSpan? timeToLive, CancellationToken cancellationToken = default) =>
            Fail ? throw new SluiceException(ErrorCodes.StorageFailed, "the store could not write: No space left on device", null, isTransient: true)
                : ((IKeyValueStore)inner).SetKeyValueAsync(key, value, expectedVersion, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteKeyValueAsync(string key, long? expectedVersion, CancellationToken cancellationToken = default) => ((IKeyValueStore)inner).DeleteKeyValueAsync(key, expectedVersion, cancellationToken);

        public ValueTask<KeyValuePage> ListKeyValuesAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default) => ((IKeyValueStore)inner).ListKeyValuesAsync(prefix, after, limit, cancellationToken);

        public ValueTask<long> SweepKeyValuesAsync(CancellationToken cancellationToken = default) => ((IKeyValueStore)inner).SweepKeyValuesAsync(cancellationToken);
    }
}

/// <summary>A store file this process cannot write is refused at start with one line naming it.</summary>
public sealed class StoreFileCheckTests
{
    [Fact]
    public void CheckStoreFilesWritable_ReadOnlyFile_OneLineNamingTheFileAndTheFix()
    {
        var error = Assert.Throws<ArgumentException>(() => SluiceServer.CheckStoreFilesWritable(
            ["/data/log/00000001.seg", "/data/log/checkpoint"],
            path => { if (path.EndsWith("checkpoint", StringComparison.Ordinal)) throw new UnauthorizedAccessException("denied"); }));

        Assert.Equal("Sluice:DataDirectory", error.ParamName);
        Assert.StartsWith("setting Sluice:DataDirectory: this process cannot write the store file '/data/log/checkpoint' (permission denied); make it writable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Start_LogStoreWithWritableFiles_Starts()
    {
        var options = OperationsServers.Options(SluiceServerOptions.LogStore);
        var (first, c1) = await OperationsServers.StartAsync(options);
        c1.Dispose();
        await first.DisposeAsync();
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(options.DataDirectory, "log"), "*", SearchOption.AllDirectories));

        var (second, c2) = await OperationsServers.StartAsync(options);
        c2.Dispose();
        await second.DisposeAsync();
    }
}

/// <summary>Failures other than "may not write" are left to the store (which names a log store in use, for example).</summary>
public sealed class StoreFileCheckOtherFailureTests
{
    [Fact]
    public void CheckStoreFilesWritable_FileInUse_LeftToTheStore() =>
        SluiceServer.CheckStoreFilesWritable(["/data/log/lock"], _ => throw new IOException("in use by another process"));
}
