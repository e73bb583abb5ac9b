using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using static Sluice.Faces.Grpc.GrpcErrors;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>sluice.v1.Streams: streams and consumer groups, translated onto the broker.</summary>
internal sealed class StreamsService(global::Sluice.Broker broker) : Streams.StreamsBase
{
    public override async Task<StreamAppendResponse> Append(StreamAppendRequest request, ServerCallContext context)
    {
        var stream = Required(request.Stream, "stream");
        var options = new StreamAppendOptions
        {
            IdMode = (global::Sluice.StreamIdMode)(int)GrpcConvert.Defined(request.IdMode, "id_mode"),
            Id = GrpcConvert.FromProto(request.Id),
            NoMakeStream = request.NoMakeStream,
            Trim = request.Trim is { } trim
                ? new global::Sluice.StreamTrim
                {
                    Strategy = (global::Sluice.StreamTrimStrategy)(int)GrpcConvert.Defined(trim.Strategy, "trim.strategy"),
                    Threshold = trim.Threshold,
                    MinId = GrpcConvert.FromProto(trim.MinId),
                    Approximate = trim.Approximate,
                    Limit = trim.HasLimit ? trim.Limit : null,
                }
                : null,
        };
        var id = await broker.StreamAppendAsync(stream, [.. request.Fields.Select(GrpcConvert.FromProto)], options, context.CancellationToken).ConfigureAwait(false);
        return new StreamAppendResponse { Id = id is { } appended ? GrpcConvert.ToProto(appended) : null };
    }

    public override async Task<StreamRangeResponse> Range(StreamRangeRequest request, ServerCallContext context)
    {
        var stream = Required(request.Stream, "stream");
        var entries = await broker.StreamRangeAsync(stream, GrpcConvert.FromProto(request.First, global::Sluice.StreamEntryId.MinValue),
            GrpcConvert.FromProto(request.Last, global::Sluice.StreamEntryId.MaxValue), request.HasCount ? request.Count : null, request.Reverse,
            context.CancellationToken).ConfigureAwait(false);
        var response = new StreamRangeResponse();
        response.Entries.AddRange(entries.Select(GrpcConvert.ToProto));
        return response;
    }

    public override async Task<StreamCreateGroupResponse> CreateGroup(StreamCreateGroupRequest request, ServerCallContext context)
    {
        var stream = Required(request.Stream, "stream");
        var group = Required(request.Group, "group");
        var options = new StreamGroupOptions
        {
            LastDeliveredId = request.LastDeliveredId is null ? null : GrpcConvert.FromProto(request.LastDeliveredId),
            MakeStream = request.MakeStream,
            EntriesRead = request.HasEntriesRead ? request.EntriesRead : null,
            MaxDeliveries = request.HasMaxDeliveries ? request.MaxDeliveries : null,
            DeadLetterStream = request.HasDeadLetterStream ? request.DeadLetterStream : null,
        };
        await broker.StreamCreateGroupAsync(stream, group, options, context.CancellationToken).ConfigureAwait(false);
        return new StreamCreateGroupResponse();
    }

    public override async Task<StreamDeleteGroupResponse> DeleteGroup(StreamDeleteGroupRequest request, ServerCallContext context) =>
        new() { Deleted = await broker.StreamDeleteGroupAsync(Required(request.Stream, "stream"), Required(request.Group, "group"), context.CancellationToken).ConfigureAwait(false) };

    public override async Task<StreamReadGroupResponse> ReadGroup(StreamReadGroupRequest request, ServerCallContext context)
    {
        var group = Required(request.Group, "group");
        var consumer = Required(request.Consumer, "consumer");
        var positions = new global::Sluice.StreamPosition[request.Positions.Count];
        for (var i = 0; i < positions.Length; i++)
        {
            var p = request.Positions[i];
            positions[i] = new global::Sluice.StreamPosition(Required(p.Stream, $"positions[{i}].stream"),
                (global::Sluice.StreamPositionKind)(int)GrpcConvert.Defined(p.Kind, $"positions[{i}].kind"), GrpcConvert.FromProto(p.Id));
        }

        var options = new StreamReadOptions
        {
            Count = request.HasCount ? request.Count : null,
            Block = request.HasBlockMs ? GrpcConvert.Duration(request.BlockMs, "block_ms", allowInfinite: true) : null,
            NoAck = request.NoAck,
        };
        var response = new StreamReadGroupResponse();
        foreach (var result in await broker.StreamReadGroupAsync(group, consumer, positions, options, context.CancellationToken).ConfigureAwait(false))
        {
            var proto = new Sluice.Grpc.V1.StreamReadResult { Stream = result.Stream };
            proto.Entries.AddRange(result.Entries.Select(GrpcConvert.ToProto));
            response.Results.Add(proto);
        }

        return response;
    }

    public override async Task<StreamAckResponse> Ack(StreamAckRequest request, ServerCallContext context) =>
        new()
        {
            Acked = await broker.StreamAckAsync(Required(request.Stream, "stream"), Required(request.Group, "group"),
                [.. request.Ids.Select(id => GrpcConvert.FromProto(id))], context.CancellationToken).ConfigureAwait(false),
        };

    public override async Task<Sluice.Grpc.V1.StreamInfo> GetInfo(StreamGetInfoRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.GetStreamInfoAsync(Required(request.Stream, "stream"), context.CancellationToken).ConfigureAwait(false));

    public override async Task<StreamListResponse> List(StreamListRequest request, ServerCallContext context)
    {
        var response = new StreamListResponse();
        response.Streams.AddRange(await broker.ListStreamsAsync(context.CancellationToken).ConfigureAwait(false));
        return response;
    }

    public override async Task<StreamDeleteResponse> Delete(StreamDeleteRequest request, ServerCallContext context) =>
        new() { Deleted = await broker.DeleteStreamAsync(Required(request.Stream, "stream"), context.CancellationToken).ConfigureAwait(false) };
}
