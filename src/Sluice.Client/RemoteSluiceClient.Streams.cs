using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Client;

public sealed partial class RemoteSluiceClient
{
    /// <inheritdoc />
    public async ValueTask<StreamEntryId?> StreamAppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        options ??= new StreamAppendOptions();
        var request = new V1.StreamAppendRequest
        {
            Stream = stream ?? "",
            IdMode = (V1.StreamIdMode)(int)options.IdMode,
            Id = GrpcConvert.ToProto(options.Id),
            NoMakeStream = options.NoMakeStream,
        };
        request.Fields.AddRange(fields.Select(GrpcConvert.ToProto));
        if (options.Trim is { } trim)
        {
            request.Trim = new V1.StreamTrim
            {
                Strategy = (V1.StreamTrimStrategy)(int)trim.Strategy,
                Threshold = trim.Threshold,
                MinId = GrpcConvert.ToProto(trim.MinId),
                Approximate = trim.Approximate,
            };
            if (trim.Limit is { } limit)
            {
                request.Trim.Limit = limit;
            }
        }

        var response = await CallAsync(_streams.AppendAsync, request, cancellationToken).ConfigureAwait(false);
        return response.Id is null ? null : GrpcConvert.FromProto(response.Id);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count = null, bool reverse = false, CancellationToken cancellationToken = default)
    {
        var request = new V1.StreamRangeRequest { Stream = stream ?? "", First = GrpcConvert.ToProto(first), Last = GrpcConvert.ToProto(last), Reverse = reverse };
        if (count is { } c)
        {
            request.Count = c;
        }

        return [.. (await CallAsync(_streams.RangeAsync, request, cancellationToken).ConfigureAwait(false)).Entries.Select(GrpcConvert.FromProto)];
    }

    /// <inheritdoc />
    public async ValueTask StreamCreateGroupAsync(string stream, string group, StreamGroupOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StreamGroupOptions();
        var request = new V1.StreamCreateGroupRequest
        {
            Stream = stream ?? "",
            Group = group ?? "",
            LastDeliveredId = options.LastDeliveredId is { } id ? GrpcConvert.ToProto(id) : null,
            MakeStream = options.MakeStream,
        };
        if (options.EntriesRead is { } read)
        {
            request.EntriesRead = read;
        }

        if (options.MaxDeliveries is { } max)
        {
            request.MaxDeliveries = max;
        }

        if (options.DeadLetterStream is not null)
        {
            request.DeadLetterStream = options.DeadLetterStream;
        }

        await CallAsync(_streams.CreateGroupAsync, request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> StreamDeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        (await CallAsync(_streams.DeleteGroupAsync, new V1.StreamDeleteGroupRequest { Stream = stream ?? "", Group = group ?? "" }, cancellationToken).ConfigureAwait(false)).Deleted;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StreamReadResult>> StreamReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, StreamReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        options ??= new StreamReadOptions();
        var request = new V1.StreamReadGroupRequest { Group = group ?? "", Consumer = consumer ?? "", NoAck = options.NoAck };
        request.Positions.AddRange(positions.Select(p => new V1.StreamPosition { Stream = p.Stream ?? "", Kind = (V1.StreamPositionKind)(int)p.Kind, Id = GrpcConvert.ToProto(p.Id) }));
        if (options.Count is { } count)
        {
            request.Count = count;
        }

        if (options.Block is { } block)
        {
            request.BlockMs = GrpcConvert.Milliseconds(block);
        }

        var response = await CallAsync(_streams.ReadGroupAsync, request, cancellationToken).ConfigureAwait(false);
        return [.. response.Results.Select(r => new StreamReadResult(r.Stream, [.. r.Entries.Select(GrpcConvert.FromProto)]))];
    }

    /// <inheritdoc />
    public async ValueTask<long> StreamAckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var request = new V1.StreamAckRequest { Stream = stream ?? "", Group = group ?? "" };
        request.Ids.AddRange(ids.Select(GrpcConvert.ToProto));
        return (await CallAsync(_streams.AckAsync, request, cancellationToken).ConfigureAwait(false)).Acked;
    }

    /// <inheritdoc />
    public async ValueTask<StreamInfo> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_streams.GetInfoAsync, new V1.StreamGetInfoRequest { Stream = stream ?? "" }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(_streams.ListAsync, new V1.StreamListRequest(), cancellationToken).ConfigureAwait(false)).Streams];

    /// <inheritdoc />
    public async ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default) =>
        (await CallAsync(_streams.DeleteAsync, new V1.StreamDeleteRequest { Stream = stream ?? "" }, cancellationToken).ConfigureAwait(false)).Deleted;
}
