using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Client;

public sealed partial class RemoteSluiceClient
{
    private V1.KeyValue.KeyValueClient KeyValue => new(_invoker);

    /// <inheritdoc />
    public async ValueTask<KeyValueRecord?> KeyValueGetAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(KeyValue.GetAsync, new V1.KeyValueGetRequest { Key = key ?? "" }, cancellationToken).ConfigureAwait(false);
        return response.Found ? GrpcConvert.FromProto(response.Record) : null;
    }

    /// <inheritdoc />
    public async ValueTask<KeyValueRecord> KeyValueSetAsync(string key, ReadOnlyMemory<byte> value, KeyValueWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = new V1.KeyValueSetRequest { Key = key ?? "", Value = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(value) };
        if (options?.ExpectedVersion is { } expected)
        {
            request.ExpectedVersion = expected;
        }

        if (options?.TimeToLive is { } ttl)
        {
            request.TimeToLiveMs = GrpcConvert.Milliseconds(ttl);
        }

        return GrpcConvert.FromProto(await CallAsync(KeyValue.SetAsync, request, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask<bool> KeyValueDeleteAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var request = new V1.KeyValueDeleteRequest { Key = key ?? "" };
        if (expectedVersion is { } expected)
        {
            request.ExpectedVersion = expected;
        }

        return (await CallAsync(KeyValue.DeleteAsync, request, cancellationToken).ConfigureAwait(false)).Deleted;
    }

    /// <inheritdoc />
    public async ValueTask<KeyValuePage> KeyValueListAsync(string? prefix = null, string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(KeyValue.ListAsync, new V1.KeyValueListRequest { Prefix = prefix ?? "", After = after ?? "", Limit = limit }, cancellationToken).ConfigureAwait(false);
        return new KeyValuePage([.. response.Records.Select(GrpcConvert.FromProto)], response.HasNextAfter ? response.NextAfter : null);
    }
}
