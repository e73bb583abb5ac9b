using System.Text.Json.Serialization;

namespace Sluice.Contracts;

// Dead-letter workspace request and response bodies (docs/rest-api.md, "Dead-letter groups";
// docs/design/dead-letters.md). Unknown properties are refused, as everywhere.

/// <summary>A group redrive body (<c>POST /v1/queues/{name}/dead-letters/groups/{groupId}/redrive</c>); optional.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DeadLetterGroupRedriveRequest
{
    /// <summary>Where to move the messages: an existing queue of the same kind; default each message's source queue.</summary>
    public string? Destination { get; init; }

    /// <summary>Most messages moved per second: 1 to 10000. Default 100.</summary>
    public RestNumber? MaxPerSecond { get; init; }

    /// <summary>When true, nothing changes: the answer says how many messages would move and from which source queues. Default false.</summary>
    public bool? DryRun { get; init; }
}

/// <summary>A group delete body (<c>POST /v1/queues/{name}/dead-letters/groups/{groupId}/delete</c>); optional.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DeadLetterGroupDeleteRequest
{
    /// <summary>When true, nothing changes: the answer says how many messages would be deleted. Default false.</summary>
    public bool? DryRun { get; init; }
}

/// <summary>A group move body (<c>POST /v1/queues/{name}/dead-letters/groups/{groupId}/move</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DeadLetterGroupMoveRequest
{
    /// <summary>The queue to move the messages to: an existing queue of the same kind, not the queue itself. Required.</summary>
    public string? Destination { get; init; }

    /// <summary>When true, nothing changes: the answer says how many messages would move. Default false.</summary>
    public bool? DryRun { get; init; }
}

/// <summary>How many messages came from one source queue.</summary>
/// <param name="Queue">The source queue; empty for messages published straight to the queue (never dead-lettered).</param>
/// <param name="Count">How many messages.</param>
public sealed record DeadLetterSourceResponse(string Queue, long Count);

/// <summary>One failed attempt of a failure document.</summary>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="At">When it failed.</param>
/// <param name="Worker">Which worker ran it.</param>
/// <param name="ExceptionType">The exception's type.</param>
/// <param name="Message">The exception's message.</param>
public sealed record FailureAttemptResponse(int Attempt, DateTimeOffset At, string Worker, string ExceptionType, string Message);

/// <summary>A last error that is a failure document (written by the Worker), read back.</summary>
/// <param name="ExceptionType">The exception's type.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StackTrace">The stack trace, if any.</param>
/// <param name="NonRetryable">Whether the failure was not retried.</param>
/// <param name="Attempts">Every attempt kept, oldest first.</param>
public sealed record FailureResponse(string ExceptionType, string Message, string? StackTrace, bool NonRetryable, IReadOnlyList<FailureAttemptResponse> Attempts);

/// <summary>A group's sample message.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="SequenceNumber">The sequence number.</param>
/// <param name="BodyPreview">The first 256 characters of a UTF-8 body, else the base64 of its first 192 bytes.</param>
/// <param name="BodyIsText">Whether the preview is text (else base64).</param>
/// <param name="BodySize">The body's size in bytes.</param>
/// <param name="DeadLetter">Source queue, reason, attempts, last error (in full) and time; null for a message never dead-lettered.</param>
/// <param name="Failure">The last error read as a failure document; null when it is not one.</param>
public sealed record DeadLetterSampleResponse(
    Guid MessageId, long SequenceNumber, string BodyPreview, bool BodyIsText, int BodySize, DeadLetterResponse? DeadLetter, FailureResponse? Failure);

/// <summary>One failure group.</summary>
/// <param name="GroupId">16 hex characters; name it to act on the group.</param>
/// <param name="Count">Messages in the group (leased ones included).</param>
/// <param name="FirstDeadLetteredAt">The earliest dead-letter time in the group.</param>
/// <param name="LastDeadLetteredAt">The latest dead-letter time in the group.</param>
/// <param name="SourceQueues">Counts per source queue, largest first.</param>
/// <param name="Source">What the fingerprint was computed from: error_document, error_text or body.</param>
/// <param name="ExceptionType">The exception type, if known.</param>
/// <param name="Frames">The top application frames (at most 3).</param>
/// <param name="Fingerprint">The masked failure message (or body).</param>
/// <param name="Sample">The group's first message with its failure.</param>
public sealed record DeadLetterGroupResponse(
    string GroupId, long Count, DateTimeOffset FirstDeadLetteredAt, DateTimeOffset LastDeadLetteredAt,
    IReadOnlyList<DeadLetterSourceResponse> SourceQueues, string Source, string? ExceptionType, IReadOnlyList<string> Frames,
    string Fingerprint, DeadLetterSampleResponse Sample);

/// <summary>A queue's failure groups (<c>GET /v1/queues/{name}/dead-letters/groups</c>), largest first.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Scanned">Messages read.</param>
/// <param name="TotalGroups">Groups found (at most 10000 are tracked).</param>
/// <param name="Truncated">Whether more groups exist than are listed.</param>
/// <param name="Untracked">Messages of groups beyond the 10000 tracked; 0 normally.</param>
/// <param name="Groups">The largest groups, at most <c>max</c>.</param>
public sealed record DeadLetterGroupListResponse(string Queue, long Scanned, int TotalGroups, bool Truncated, long Untracked, IReadOnlyList<DeadLetterGroupResponse> Groups);

/// <summary>What a group action did, or with <c>dryRun</c> would do.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="GroupId">The group.</param>
/// <param name="Action">redrive, delete or move.</param>
/// <param name="DryRun">Whether nothing was changed.</param>
/// <param name="Destination">The destination queue; null for delete and for a redrive to the source queues.</param>
/// <param name="Cutoff">Only messages dead-lettered at or before this time are included (later ones never are).</param>
/// <param name="Affected">Messages deleted or moved; for a dry run or a started redrive, those that would be.</param>
/// <param name="SkippedLeased">Messages skipped because a consumer held a lease on them.</param>
/// <param name="SkippedUnmovable">Messages with no source queue to return to, or that did not fit the destination.</param>
/// <param name="SourceQueues">Counts of <paramref name="Affected"/> per source queue, largest first.</param>
/// <param name="Redrive">The started redrive task (follow it at <c>/v1/redrives/{id}</c>); null otherwise.</param>
public sealed record DeadLetterGroupActionResponse(
    string Queue, string GroupId, string Action, bool DryRun, string? Destination, DateTimeOffset Cutoff, long Affected,
    long SkippedLeased, long SkippedUnmovable, IReadOnlyList<DeadLetterSourceResponse> SourceQueues, RedriveResponse? Redrive);
