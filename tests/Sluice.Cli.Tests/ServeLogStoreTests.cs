using System.Text;
using Sluice.Storage.Log;

namespace Sluice.Cli.Tests;

/// <summary><c>sluice serve</c> on its default store, the log store, when the log is damaged.</summary>
public class ServeLogStoreTests
{
    [Fact]
    public async Task Serve_LogDamagedInTheMiddle_RefusesToStartWithOneLine()
    {
        var root = Directory.CreateTempSubdirectory("sluice-cli-damaged-").FullName;
        try
        {
            // Records after the last checkpoint: the files of an open store, copied as a crash would leave them.
            var source = Path.Combine(root, "source");
            var store = new LogMessageStore(new LogStoreOptions { Directory = source, Fsync = false });
            await store.InitializeAsync();
            await store.CreateQueueAsync("jobs", new QueueOptions());
            for (var i = 0; i < 20; i++)
            {
                await store.PublishAsync("jobs", [new OutgoingMessage(Encoding.UTF8.GetBytes($"message-{i:D2}"))]);
            }

            var target = Path.Combine(root, "data", "log");
            foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "lock"))
            {
                var destination = Path.Combine(target, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }

            await store.DisposeAsync();
            var segment = Directory.GetFiles(Path.Combine(target, "segments")).Order(StringComparer.Ordinal).First();
            var bytes = File.ReadAllBytes(segment);
            bytes[bytes.AsSpan().IndexOf("message-10"u8) + 8] ^= 0x55;
            File.WriteAllBytes(segment, bytes);

            using var output = new StringWriter();
            using var error = new StringWriter();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var exit = await new CliApp(output, error, Stream.Null, _ => null)
                .RunAsync(["serve", TestAuth.Flag, "--data-dir", Path.Combine(root, "data"), "--no-fsync", "--http-url", "http://127.0.0.1:0"], timeout.Token);

            Assert.Equal(1, exit);
            var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: the store is damaged: ", line, StringComparison.Ordinal);
            Assert.Contains("salvage", line, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
