using System.Text;
using Sluice;
using Sluice.Storage.Sqlite;

await using var broker = new Broker(new SqliteMessageStore(new SqliteStoreOptions { Path = "app.db" }));
await broker.StartAsync();
await broker.CreateQueueAsync("jobs");
await broker.PublishAsync("jobs", new OutgoingMessage("hello"u8.ToArray()));
var messages = await broker.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 10, WaitTime = TimeSpan.FromSeconds(5) });
foreach (var message in messages)
{
    Console.WriteLine($"received: {Encoding.UTF8.GetString(message.Body.Span)}");
    await broker.AckAsync("jobs", message.ReceiptHandle!);
}

return messages.Count == 1 ? 0 : 1;
