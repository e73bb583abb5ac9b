using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using static Sluice.Faces.Grpc.GrpcErrors;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>sluice.v1.KeyValue: key-value records, translated onto the broker.</summary>
internal sealed class KeyValueService(global::Sluice.Broker broker) : Sluice.Grpc.V1.KeyValue.KeyValueBase
{
    public override async Task<KeyValueGetResponse> Get(KeyValueGetRequest request, ServerCallContext context)
    {
        var record = await broker.KeyValueGetAsync(Required(request.Key, "key"), context.CancellationToken).ConfigureAwait(false);
        return record is null ? new KeyValueGetResponse() : new KeyValueGetResponse { Found = true, Record = GrpcConvert.ToProto(record) };
    }

    public override async Task<Sluice.Grpc.V1.KeyValueRecord> Set(KeyValueSetRequest request, ServerCallContext context)
    {
        var key = Required(request.Key, "key");
        var options = new KeyValueWriteOptions
        {
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
            TimeToLive = request.HasTimeToLiveMs ? GrpcConvert.Duration(request.TimeToLiveMs, "time_to_live_ms") : null,
        };
        return GrpcConvert.ToProto(await broker.KeyValueSetAsync(key, request.Value.Memory, options, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<KeyValueDeleteResponse> Delete(KeyValueDeleteRequest request, ServerCallContext context) =>
        new()
        {
            Deleted = await broker.KeyValueDeleteAsync(Required(request.Key, "key"), request.HasExpectedVersion ? request.ExpectedVersion : null,
                context.CancellationToken).ConfigureAwait(false),
        };

    public override async Task<KeyValueListResponse> List(KeyValueListRequest request, ServerCallContext context)
    {
        var page = await broker.KeyValueListAsync(request.Prefix.Length == 0 ? null : request.Prefix, request.After.Length == 0 ? null : request.After,
            request.HasLimit ? request.Limit : 100, context.CancellationToken).ConfigureAwait(false);
        var response = new KeyValueListResponse();
        response.Records.AddRange(page.Records.Select(GrpcConvert.ToProto));
        if (page.NextAfter is not null)
        {
            response.NextAfter = page.NextAfter;
        }

        return response;
    }
}
