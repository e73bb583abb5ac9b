// SQS round-trip throughput: SendMessageBatch(10) -> ReceiveMessage(10) -> DeleteMessageBatch,
// with the AWS SDK for .NET v4 (AWSSDK.SQS, JSON 1.0 protocol; it also checks the MD5 digests).
// Usage: sqs-bench [--messages N] [--workers W] [--runs R] [--body-bytes B] NAME=URL [NAME=URL ...]
// Prints one line per run and a median per endpoint, then the ratio of the medians to the first one.
using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

var messages = 2000;
var workers = 4;
var runs = 3;
var bodyBytes = 256;
var endpoints = new List<(string Name, string Url)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--messages": messages = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--workers": workers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--body-bytes": bodyBytes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            var eq = args[i].IndexOf('=', StringComparison.Ordinal);
            endpoints.Add(eq > 0 ? (args[i][..eq], args[i][(eq + 1)..]) : (args[i], args[i]));
            break;
    }
}
if (endpoints.Count == 0)
{
    Console.Error.WriteLine("usage: sqs-bench [--messages N] [--workers W] [--runs R] NAME=http://host:port ...");
    return 2;
}

var body = new string('x', bodyBytes);
var results = new Dictionary<string, List<double>>();
foreach (var (name, url) in endpoints)
{
    await RunOnce(name, url, 0, Math.Max(10 * workers, messages / 10)); // warm-up (JIT, connections), not counted
}
// Interleave the endpoints run by run so that machine noise hits all of them alike.
for (var run = 1; run <= runs; run++)
{
    foreach (var (name, url) in endpoints)
    {
        var rate = await RunOnce(name, url, run, messages);
        (results.TryGetValue(name, out var l) ? l : results[name] = []).Add(rate);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {run} {name,-8} {rate,10:F0} msg/s  ({messages} messages, {workers} workers)"));
    }
}

var medians = new List<double>();
foreach (var (name, _) in endpoints)
{
    var sorted = results[name].Order().ToList();
    var median = sorted[sorted.Count / 2];
    medians.Add(median);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"median {name,-8} {median,10:F0} msg/s  runs: {string.Join(", ", results[name].Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}"));
}
for (var i = 1; i < endpoints.Count; i++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ratio {endpoints[0].Name}/{endpoints[i].Name}: {medians[0] / medians[i]:F1}x"));
}
return 0;

async Task<double> RunOnce(string name, string url, int run, int messages)
{
    var config = new AmazonSQSConfig { ServiceURL = url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
    using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), config);
    var queueName = $"bench-{name}-{run}-{Guid.NewGuid():N}"[..40];
    var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = queueName })).QueueUrl;
    var perWorker = messages / workers / 10 * 10;
    var total = perWorker * workers;
    var deleted = 0;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
    {
        var sent = 0;
        // Workers share the queue: each sends its quota, and all receive until everything is deleted.
        while (sent < perWorker || Volatile.Read(ref deleted) < total)
        {
            if (sent < perWorker)
            {
                var entries = Enumerable.Range(0, 10)
                    .Select(i => new SendMessageBatchRequestEntry { Id = $"m{i}", MessageBody = body }).ToList();
                var s = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest { QueueUrl = queueUrl, Entries = entries });
                if (s.Failed is { Count: > 0 }) throw new InvalidOperationException($"send failed: {s.Failed[0].Code}");
                sent += 10;
            }
            var r = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0, // short polls: a long poll would idle at the end of a run
            });
            var got = r.Messages ?? [];
            if (got.Count == 0) continue;
            var d = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = got.Select((m, i) => new DeleteMessageBatchRequestEntry { Id = $"d{i}", ReceiptHandle = m.ReceiptHandle }).ToList(),
            });
            if (d.Failed is { Count: > 0 }) throw new InvalidOperationException($"delete failed: {d.Failed[0].Code}");
            Interlocked.Add(ref deleted, got.Count);
        }
    })));
    sw.Stop();
    await sqs.DeleteQueueAsync(new DeleteQueueRequest { QueueUrl = queueUrl });
    // Standard queues are at-least-once: a duplicate delivery is legal, count it but do not fail on it.
    if (deleted > total) Console.WriteLine($"# {name} run {run}: {deleted - total} duplicate deliveries");
    return total / sw.Elapsed.TotalSeconds;
}
