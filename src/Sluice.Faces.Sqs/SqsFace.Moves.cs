using System.Text.Json.Nodes;

namespace Sluice.Faces.Sqs;

internal sealed partial class SqsFace
{
    private const int MaxMoveRate = 500;

    private async ValueTask<JsonObject> StartMessageMoveTaskAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var sourceArn = SqsInput.RequiredString(input, "SourceArn");
        var destinationArn = SqsInput.String(input, "DestinationArn");
        var rate = SqsInput.Int(input, "MaxNumberOfMessagesPerSecond", 1, MaxMoveRate);
        var source = await MoveQueueAsync(sourceArn, env, ct).ConfigureAwait(false);
        var queues = await broker.ListQueuesAsync(ct).ConfigureAwait(false);
        if (!queues.Any(q => q.Options.DeadLetterQueue == source.Name))
        {
            throw SqsException.Invalid("SourceArn", sourceArn, "Source queue must be configured as a Dead Letter Queue.");
        }

        string? destination = null;
        if (destinationArn is not null)
        {
            destination = (await MoveQueueAsync(destinationArn, env, ct).ConfigureAwait(false)).Name;
        }

        if ((await broker.ListRedrivesAsync(ct).ConfigureAwait(false)).Any(r => r.DeadLetterQueue == source.Name && r.State == RedriveState.Running))
        {
            throw new SqsException(SqsError.UnsupportedOperation, $"There is already a task running for {sourceArn}. Only one active message movement task is supported per queue.");
        }

        var status = await broker.StartRedriveAsync(source.Name, destination, rate ?? MaxMoveRate, ct).ConfigureAwait(false);
        return new JsonObject { ["TaskHandle"] = status.Id };
    }

    private async ValueTask<QueueInfo> MoveQueueAsync(string arn, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueFromArn(arn) ?? throw new SqsException(SqsError.ResourceNotFound, $"The resource that you specified for the SourceArn parameter doesn't exist: {arn}");
        return await TryGetQueueAsync(name, ct).ConfigureAwait(false)
            ?? throw new SqsException(SqsError.ResourceNotFound, $"The resource that you specified doesn't exist: {arn}");
    }

    private async ValueTask<JsonObject> ListMessageMoveTasksAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var sourceArn = SqsInput.RequiredString(input, "SourceArn");
        var max = SqsInput.Int(input, "MaxResults", 1, 10) ?? 1;
        var name = env.QueueFromArn(sourceArn) ?? throw new SqsException(SqsError.ResourceNotFound, $"The resource that you specified doesn't exist: {sourceArn}");
        var results = new JsonArray();
        foreach (var r in (await broker.ListRedrivesAsync(ct).ConfigureAwait(false)).Where(r => r.DeadLetterQueue == name).Take(max))
        {
            var entry = new JsonObject();
            if (r.State == RedriveState.Running)
            {
                entry["TaskHandle"] = r.Id;
            }

            entry["Status"] = r.State switch
            {
                RedriveState.Running => "RUNNING",
                RedriveState.Completed => "COMPLETED",
                RedriveState.Cancelled => "CANCELLED",
                _ => "FAILED",
            };
            entry["SourceArn"] = env.Arn(r.DeadLetterQueue);
            if (r.Destination is not null)
            {
                entry["DestinationArn"] = env.Arn(r.Destination);
            }

            entry["MaxNumberOfMessagesPerSecond"] = r.MaxPerSecond;
            entry["ApproximateNumberOfMessagesMoved"] = r.Moved;
            entry["ApproximateNumberOfMessagesToMove"] = r.Total;
            if (r.Error is not null)
            {
                entry["FailureReason"] = r.Error;
            }

            entry["StartedTimestamp"] = r.StartedAt.ToUnixTimeMilliseconds();
            results.Add(entry);
        }

        return new JsonObject { ["Results"] = results };
    }

    private async ValueTask<JsonObject> CancelMessageMoveTaskAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var handle = SqsInput.RequiredString(input, "TaskHandle");
        RedriveStatus status;
        try
        {
            status = await broker.GetRedriveAsync(handle, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.RedriveNotFound)
        {
            throw new SqsException(SqsError.ResourceNotFound, $"Task does not exist: {handle}", ex);
        }

        if (status.State != RedriveState.Running)
        {
            throw new SqsException(SqsError.UnsupportedOperation, $"Only a RUNNING task can be cancelled; task {handle} is {status.State.ToString().ToUpperInvariant()} (source {env.Arn(status.DeadLetterQueue)}).");
        }

        status = await broker.CancelRedriveAsync(handle, ct).ConfigureAwait(false);
        return new JsonObject { ["ApproximateNumberOfMessagesMoved"] = status.Moved };
    }
}
