using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Sluice.Cli.Tests;

/// <summary>
/// Damage to the default (log) store of a real <c>sluice serve</c>, end to end: a torn tail is cut with a warning and
/// everything before it kept; damage in the middle of the log refuses to start with one line naming the file and
/// <c>--salvage</c>, and <c>--salvage</c> starts and reports what it skipped; a missing segment or segments directory
/// refuses to start (never an empty queue); a damaged body is never delivered as it is.
/// </summary>
public sealed class LogStoreDamageTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-damage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_TornTailOfLastSegment_StartsWarnsAndKeepsEverythingBefore()
    {
        var bodies = await PublishAndKillAsync("torn", 20);
        var segment = LastSegment();
        var end = DataEnd(segment);
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(end - 5); // inside the last record
        }

        await using var server = await ServerProcess.StartAsync(_dataDirectory);
        using var http = new HttpClient { BaseAddress = server.Address };
        var present = await PeekAllAsync(http, "torn");
        foreach (var body in bodies[..^1])
        {
            Assert.True(present.Contains(body), $"'{body}', confirmed before the torn record, is lost:\n{server.Output}");
        }

        Assert.True(server.Output.Contains(Path.GetFileName(segment), StringComparison.Ordinal),
            $"the warning does not name the segment that was cut ({Path.GetFileName(segment)}):\n{server.Output}");
    }

    [Fact]
    public async Task Serve_SixteenFlippedBytesInTheMiddle_RefusesNamingFileAndSalvage_SalvageStartsAndReports()
    {
        var bodies = await PublishAndKillAsync("flip", 200);
        var segment = LastSegment();
        var middle = DataEnd(segment) / 2;
        Flip(segment, middle, 16);

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(_dataDirectory);
        Assert.True(exitCode != 0, $"sluice serve started on a log damaged in the middle:\n{output}");
        var name = Path.GetFileName(segment);
        Assert.True(output.Split('\n').Any(l => l.Contains(name, StringComparison.Ordinal) && l.Contains("--salvage", StringComparison.Ordinal)),
            $"no line of the refusal names both the file ({name}) and --salvage:\n{output}");

        await using var server = await ServerProcess.StartAsync(_dataDirectory, null, "--salvage");
        Assert.True(server.Output.Contains(name, StringComparison.Ordinal), $"--salvage does not report what it skipped in {name}:\n{server.Output}");
        using var http = new HttpClient { BaseAddress = server.Address };
        var present = await PeekAllAsync(http, "flip");

        // 16 bytes damage at most the records they fall in (two, when they straddle a boundary); the rest is kept,
        // including everything after the damage.
        var lost = bodies.Where(b => !present.Contains(b)).ToList();
        Assert.True(lost.Count <= 2, $"--salvage lost {lost.Count} messages for 16 damaged bytes: {string.Join(", ", lost.Take(10))}\n{server.Output}");
        Assert.Contains(bodies[^1], present);
    }

    [Fact]
    public async Task Serve_DeletedSegment_RefusesToStart()
    {
        await PublishAndKillAsync("gone", 10);
        var segment = LastSegment();
        File.Delete(segment);

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(_dataDirectory);
        Assert.True(exitCode != 0, $"sluice serve started with segment {Path.GetFileName(segment)} deleted:\n{output}");
        Assert.Contains("segment", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Serve_DeletedSegmentsDirectoryUnderExistingStore_RefusesToStartNotAnEmptyQueue()
    {
        await PublishAndKillAsync("nodir", 10);
        var segments = SegmentsDirectory();
        Directory.Delete(segments, recursive: true);

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(_dataDirectory);
        Assert.True(exitCode != 0, $"sluice serve started with its segments directory deleted (as an empty store):\n{output}");
        Assert.Contains("segment", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Serve_FlippedByteInMessageBody_MessageNotDeliveredAsIs()
    {
        var marker = "BODY-" + new string('x', 64);
        await using (var server = await ServerProcess.StartAsync(_dataDirectory))
        {
            using var http = new HttpClient { BaseAddress = server.Address };
            await CreateQueueAsync(http, "body");
            await PublishAsync(http, "body", marker);
            for (var i = 0; i < 5; i++)
            {
                await PublishAsync(http, "body", $"after-{i}");
            }

            await server.KillAsync();
        }

        var segment = LastSegment();
        var bytes = await File.ReadAllBytesAsync(segment);
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker));
        Assert.True(at >= 0, "the body is not in the last segment as written");
        Flip(segment, at + 10, 1, mask: 0x01); // 'x' becomes 'y': still text, so a delivery of it would show
        var damaged = marker[..10] + "y" + marker[11..];

        // Damage inside a record followed by good ones: refusing to start is right; with --salvage the record is skipped.
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(_dataDirectory);
        Assert.True(exitCode != 0, $"sluice serve started on a damaged record in the middle of the log:\n{output}");
        await using var salvaged = await ServerProcess.StartAsync(_dataDirectory, null, "--salvage");
        using var client = new HttpClient { BaseAddress = salvaged.Address };
        var delivered = await ReceiveAllAsync(client, "body");
        Assert.DoesNotContain(damaged, delivered);
        Assert.All(Enumerable.Range(0, 5), i => Assert.Contains($"after-{i}", delivered));
    }

    private async Task<string[]> PublishAndKillAsync(string queue, int count)
    {
        var bodies = Enumerable.Range(0, count).Select(i => $"{queue}-{i:D5}-" + new string('p', 40)).ToArray();
        await using var server = await ServerProcess.StartAsync(_dataDirectory);
        using var http = new HttpClient { BaseAddress = server.Address };
        await CreateQueueAsync(http, queue);
        foreach (var body in bodies)
        {
            await PublishAsync(http, queue, body);
        }

        await server.KillAsync();
        return bodies;
    }

    /// <summary>The directory that holds the segment files (*.log) of the store under the data directory.</summary>
    private string SegmentsDirectory()
    {
        var found = Directory.GetFiles(_dataDirectory, "*.log", SearchOption.AllDirectories).Select(Path.GetDirectoryName).Distinct().ToList();
        Assert.True(found.Count == 1, $"expected one directory of segment files under {_dataDirectory}, found {found.Count}");
        return found[0]!;
    }

    private string LastSegment() =>
        Directory.GetFiles(SegmentsDirectory(), "*.log").Order(StringComparer.Ordinal).Last();

    /// <summary>The end of the written part of a (preallocated) segment: after its last non-zero byte.</summary>
    private static long DataEnd(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var last = bytes.AsSpan().LastIndexOfAnyExcept((byte)0);
        Assert.True(last > 0, $"{path} holds no records");
        return last + 1;
    }

    /// <summary>XORs <paramref name="count"/> bytes at <paramref name="offset"/> with <paramref name="mask"/> (default all bits).</summary>
    private static void Flip(string path, long offset, int count, byte mask = 0xFF)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        for (var i = 0; i < count; i++)
        {
            buffer[i] ^= mask;
        }

        file.Position = offset;
        file.Write(buffer);
        file.Flush(flushToDisk: true);
    }

    private static async Task CreateQueueAsync(HttpClient http, string queue)
    {
        using var response = await http.PostAsJsonAsync("/v1/queues", new JsonObject { ["name"] = queue });
        Assert.True(response.IsSuccessStatusCode, $"create {queue}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task PublishAsync(HttpClient http, string queue, string body)
    {
        using var response = await http.PostAsJsonAsync($"/v1/queues/{queue}/messages", new JsonObject { ["body"] = body });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<HashSet<string>> PeekAllAsync(HttpClient http, string queue)
    {
        var json = await http.GetFromJsonAsync<JsonObject>($"/v1/queues/{queue}/messages?max=1000");
        return json!["messages"]!.AsArray().Select(m => m!["body"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<List<string>> ReceiveAllAsync(HttpClient http, string queue)
    {
        var delivered = new List<string>();
        while (true)
        {
            using var response = await http.PostAsJsonAsync($"/v1/queues/{queue}/messages/receive",
                new JsonObject { ["maxMessages"] = 10, ["visibilityTimeoutSeconds"] = 600 });
            response.EnsureSuccessStatusCode();
            var json = await response.Content.ReadFromJsonAsync<JsonObject>();
            var batch = json!["messages"]!.AsArray().Select(m => m!["body"]!.GetValue<string>()).ToList();
            if (batch.Count == 0)
            {
                return delivered;
            }

            delivered.AddRange(batch);
        }
    }
}
