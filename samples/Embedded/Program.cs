using System.Text;
using Sluice;
using Sluice.Client;
using Sluice.Storage.Log;

var broker = new Broker(new LogMessageStore(new LogStoreOptions { Directory = "app-data" }));
await broker.StartAsync();
await using var client = new InProcessSluiceClient(broker, ownsBroker: true); // an ISluiceClient, as a server's client is
await client.CreateQueueAsync("jobs");
await client.PublishAsync("jobs", new OutgoingMessage("hello"u8.ToArray()));
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
await foreach (var message in client.ConsumeAsync("jobs", cancellationToken: timeout.Token))
{
    Console.WriteLine($"received: {Encoding.UTF8.GetString(message.Body.Span)}");
    await client.AckAsync("jobs", message.ReceiptHandle!);
    return 0;
}

return 1; // nothing arrived within 5 seconds
