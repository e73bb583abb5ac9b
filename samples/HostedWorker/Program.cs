using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice;
using Sluice.Hosting;
using Sluice.Storage.Log;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSluice(b => b.UseLogStore("app-data")); // the host starts the broker, and disposes it at shutdown
builder.Services.AddHostedService<Worker>();
Environment.ExitCode = 1; // until the worker has received its message
await builder.Build().RunAsync();

sealed class Worker(Broker broker, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await broker.CreateQueueAsync("jobs", cancellationToken: stoppingToken);
        await broker.PublishAsync("jobs", new OutgoingMessage("hello"u8.ToArray()), stoppingToken);
        var messages = await broker.ReceiveAsync("jobs", new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(5) }, stoppingToken);
        foreach (var message in messages)
        {
            Console.WriteLine($"received: {Encoding.UTF8.GetString(message.Body.Span)}");
            await broker.AckAsync("jobs", message.ReceiptHandle!, stoppingToken);
        }

        if (messages.Count == 1)
        {
            Environment.ExitCode = 0;
        }

        lifetime.StopApplication(); // a worker service would loop until stoppingToken is cancelled
    }
}
