using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.DeadLetters;

namespace Sluice.Faces.Rest;

/// <summary>The dead-letter workspace routes' handlers (<c>/v1/queues/{name}/dead-letters/**</c>): parse, call the broker once, shape the answer.</summary>
internal sealed class RestDeadLetters(Broker broker)
{
    public async Task<IResult> ListGroupsAsync(HttpContext context, string name)
    {
        var max = context.Request.Query.TryGetValue("max", out var text)
            ? RestMapping.WholeInt(new RestNumber(text.ToString()), "max", 1, Broker.MaxReportedDeadLetterGroups)!.Value
            : 100;
        var list = await broker.GetDeadLetterGroupsAsync(name, max, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new DeadLetterGroupListResponse(list.Queue, list.Scanned, list.TotalGroups, list.Truncated, list.Untracked,
            [.. list.Groups.Select(ToResponse)]), SluiceJsonContext.Wire.DeadLetterGroupListResponse);
    }

    public async Task<IResult> RedriveAsync(HttpContext context, string name, string groupId)
    {
        var body = await RestBody.ReadAsync(context, SluiceJsonContext.Wire.DeadLetterGroupRedriveRequest, optional: true).ConfigureAwait(false);
        var rate = RestMapping.WholeInt(body?.MaxPerSecond, "maxPerSecond", 1, Validation.MaxRedriveRate) ?? 100;
        var result = await broker.RedriveDeadLetterGroupAsync(name, groupId, body?.Destination, rate, body?.DryRun ?? false, context.RequestAborted).ConfigureAwait(false);
        return Answer(result);
    }

    public async Task<IResult> DeleteAsync(HttpContext context, string name, string groupId)
    {
        var body = await RestBody.ReadAsync(context, SluiceJsonContext.Wire.DeadLetterGroupDeleteRequest, optional: true).ConfigureAwait(false);
        return Answer(await broker.DeleteDeadLetterGroupAsync(name, groupId, body?.DryRun ?? false, context.RequestAborted).ConfigureAwait(false));
    }

    public async Task<IResult> MoveAsync(HttpContext context, string name, string groupId)
    {
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.DeadLetterGroupMoveRequest, optional: false).ConfigureAwait(false))!;
        var destination = body.Destination ?? throw RestMapping.SluiceBadField("destination", "is missing: name the queue to move the group's messages to");
        return Answer(await broker.MoveDeadLetterGroupAsync(name, groupId, destination, body.DryRun ?? false, context.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>200 with the outcome; 202 when a redrive task was started (it runs on in the background).</summary>
    private static JsonHttpResult<DeadLetterGroupActionResponse> Answer(DeadLetterGroupActionResult r) => TypedResults.Json(
        new DeadLetterGroupActionResponse(r.Queue, r.GroupId, Spell(r.Action), r.DryRun, r.Destination, r.Cutoff, r.Affected, r.SkippedLeased,
            r.SkippedUnmovable, Sources(r.SourceQueues), r.Redrive is { } task ? RestMapping.ToResponse(task) : null),
        SluiceJsonContext.Wire.DeadLetterGroupActionResponse,
        statusCode: r.Redrive is null ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);

    private static DeadLetterGroupResponse ToResponse(DeadLetterGroup g) => new(
        g.GroupId, g.Count, g.FirstDeadLetteredAt, g.LastDeadLetteredAt, Sources(g.SourceQueues), Spell(g.Source), g.ExceptionType, g.Frames,
        g.Fingerprint, new DeadLetterSampleResponse(g.Sample.MessageId, g.Sample.SequenceNumber, g.Sample.BodyPreview, g.Sample.BodyIsText,
            g.Sample.BodySize,
            g.Sample.DeadLetter is { } d ? new DeadLetterResponse(d.SourceQueue, d.Reason, d.Attempts, d.LastError, d.DeadLetteredAt) : null,
            g.Sample.Failure is { } f
                ? new FailureResponse(f.ExceptionType, f.Message, f.StackTrace, f.NonRetryable,
                    [.. f.Attempts.Select(a => new FailureAttemptResponse(a.Attempt, a.At, a.Worker, a.ExceptionType, a.Message))])
                : null));

    private static DeadLetterSourceResponse[] Sources(IReadOnlyList<DeadLetterSourceCount> sources) =>
        [.. sources.Select(s => new DeadLetterSourceResponse(s.Queue, s.Count))];

    /// <summary>What a fingerprint was computed from: error_document, error_text or body.</summary>
    public static string Spell(FailureSource source) => source switch
    {
        FailureSource.ErrorDocument => "error_document",
        FailureSource.ErrorText => "error_text",
        _ => "body",
    };

    /// <summary>A group action: redrive, delete or move.</summary>
    public static string Spell(DeadLetterGroupAction action) => action switch
    {
        DeadLetterGroupAction.Redrive => "redrive",
        DeadLetterGroupAction.Delete => "delete",
        _ => "move",
    };
}
