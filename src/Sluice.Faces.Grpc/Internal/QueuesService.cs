using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using static Sluice.Faces.Grpc.GrpcErrors;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>sluice.v1.Queues: queue administration and redrive, translated onto the broker.</summary>
internal sealed class QueuesService(global::Sluice.Broker broker) : Queues.QueuesBase
{
    public override async Task<Sluice.Grpc.V1.QueueInfo> CreateQueue(CreateQueueRequest request, ServerCallContext context)
    {
        var name = Required(request.Name, "name");
        var options = Options(request.Options);
        return GrpcConvert.ToProto(await InOptions(() => broker.CreateQueueAsync(name, options, context.CancellationToken)).ConfigureAwait(false));
    }

    public override async Task<Sluice.Grpc.V1.QueueInfo> GetQueue(GetQueueRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.GetQueueAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false));

    public override async Task<ListQueuesResponse> ListQueues(ListQueuesRequest request, ServerCallContext context)
    {
        var response = new ListQueuesResponse();
        foreach (var queue in await broker.ListQueuesAsync(context.CancellationToken).ConfigureAwait(false))
        {
            response.Queues.Add(GrpcConvert.ToProto(queue));
        }

        return response;
    }

    public override async Task<Sluice.Grpc.V1.QueueInfo> UpdateQueue(UpdateQueueRequest request, ServerCallContext context)
    {
        var name = Required(request.Name, "name");
        if (request.Options is null)
        {
            throw Invalid("options", "options is missing: give the queue's new options (unset fields take their defaults)");
        }

        var options = Options(request.Options);
        return GrpcConvert.ToProto(await InOptions(() => broker.UpdateQueueAsync(name, options, context.CancellationToken)).ConfigureAwait(false));
    }

    public override async Task<DeleteQueueResponse> DeleteQueue(DeleteQueueRequest request, ServerCallContext context)
    {
        await broker.DeleteQueueAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false);
        return new DeleteQueueResponse();
    }

    public override async Task<PurgeQueueResponse> PurgeQueue(PurgeQueueRequest request, ServerCallContext context) =>
        new() { Purged = await broker.PurgeAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false) };

    public override async Task<Sluice.Grpc.V1.QueueStats> GetQueueStats(GetQueueStatsRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.GetStatsAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false));

    public override async Task<Sluice.Grpc.V1.RedriveStatus> StartRedrive(StartRedriveRequest request, ServerCallContext context)
    {
        var queue = Required(request.DeadLetterQueue, "dead_letter_queue");
        var status = await broker.StartRedriveAsync(queue, request.HasDestination ? request.Destination : null,
            request.HasMaxPerSecond ? request.MaxPerSecond : 100, context.CancellationToken).ConfigureAwait(false);
        return GrpcConvert.ToProto(status);
    }

    public override async Task<Sluice.Grpc.V1.RedriveStatus> GetRedrive(GetRedriveRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.GetRedriveAsync(Required(request.Id, "id"), context.CancellationToken).ConfigureAwait(false));

    private static global::Sluice.QueueOptions Options(Sluice.Grpc.V1.QueueOptions? options) => GrpcConvert.FromProto(options);

    /// <summary>Runs a create or update: the broker names option fields alone (<c>visibilityTimeout</c>); here they sit under <c>options.</c>.</summary>
    private static async Task<T> InOptions<T>(Func<ValueTask<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.Field is { } field && field is not ("name" or "queue") && !field.StartsWith("options.", StringComparison.Ordinal))
        {
            throw new SluiceException(ex.ErrorCode, ex.Message, "options." + field, ex.IsTransient, ex);
        }
    }
}
