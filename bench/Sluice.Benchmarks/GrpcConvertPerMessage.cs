using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Benchmarks;

/// <summary>
/// The wire conversions of the gRPC path, per message (batches of 100, 1 KiB bodies), with allocations: a publish
/// (model to proto, serialize, parse, proto to model: what the client and the face do to each published message) and
/// a delivery (the same for a leased message on the consume stream). Run: <c>--filter *GrpcConvert* --memory</c>.
/// </summary>
[MemoryDiagnoser]
public class GrpcConvertPerMessage
{
    private const int Batch = 100;
    private OutgoingMessage[] _outgoing = [];
    private QueueMessage[] _delivered = [];

    [GlobalSetup]
    public void Setup()
    {
        var body = new byte[1024];
        _outgoing = [.. Enumerable.Range(0, Batch).Select(_ => new OutgoingMessage(body))];
        var now = DateTimeOffset.UnixEpoch.AddYears(56);
        var key = Sluice.Storage.ReceiptHandleKey.CreateRandom();
        _delivered = [.. Enumerable.Range(0, Batch).Select(i => new QueueMessage
        {
            MessageId = Guid.CreateVersion7(now),
            Body = body,
            Attributes = new Dictionary<string, MessageAttributeValue>(),
            SentAt = now,
            VisibleAt = now.AddSeconds(30),
            ReceiveCount = 1,
            FirstReceivedAt = now,
            SequenceNumber = i,
            ReceiptHandle = key.Sign(new Sluice.Storage.ReceiptHandle(1, i + 1, 1)), // signed: 52 characters, as delivered
        })];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Publish()
    {
        var request = new V1.PublishRequest { Queue = "jobs" };
        foreach (var message in _outgoing)
        {
            request.Messages.Add(GrpcConvert.ToProto(message));
        }

        var parsed = V1.PublishRequest.Parser.ParseFrom(request.ToByteArray());
        var total = 0;
        for (var i = 0; i < parsed.Messages.Count; i++)
        {
            total += GrpcConvert.FromProto(parsed.Messages[i], i).Body.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Deliver()
    {
        var response = new V1.ConsumeResponse();
        foreach (var message in _delivered)
        {
            response.Messages.Add(GrpcConvert.ToProto(message));
        }

        var parsed = V1.ConsumeResponse.Parser.ParseFrom(response.ToByteArray());
        var total = 0;
        foreach (var message in parsed.Messages)
        {
            total += GrpcConvert.FromProto(message).Body.Length;
        }

        return total;
    }
}
