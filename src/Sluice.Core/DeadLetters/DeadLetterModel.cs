namespace Sluice.DeadLetters;

/// <summary>What a dead letter's failure fingerprint was computed from.</summary>
public enum FailureSource
{
    /// <summary>The structured failure document the Worker writes as the last error (<c>Sluice.FailureDetails</c>): exception type, message and stack trace.</summary>
    ErrorDocument = 0,

    /// <summary>The last error as free text (the <c>error</c> given with a nack over REST or SQS); a .NET-style <c>Type: message</c> first line and <c>at ...</c> frames are recognised in it.</summary>
    ErrorText = 1,

    /// <summary>No error was recorded (SQS dead letters after maxReceiveCount, usually): the message body, as text when it is UTF-8, else its first bytes with non-printable bytes shown as <c>.</c>.</summary>
    Body = 2,
}

/// <summary>
/// The failure fingerprint of one dead letter: what groups it with others of the same cause. Built by
/// <see cref="FailureFingerprint.Of(QueueMessage)"/>; equal fingerprints have equal <see cref="GroupId"/>s.
/// </summary>
/// <param name="GroupId">16 lower-case hex characters: the first 8 bytes of the SHA-256 of <see cref="Text"/>. Stable across processes and versions of the same masking rules.</param>
/// <param name="Source">What the fingerprint was computed from.</param>
/// <param name="ExceptionType">The exception type (full name as reported), or <see langword="null"/> when none is known (a body, or free text without a <c>Type: message</c> first line).</param>
/// <param name="Frames">At most 3 top application frames (method with its parameter list, file and line removed), innermost first; frames of <c>System.*</c>, <c>Microsoft.*</c> and <c>Sluice.*</c> and lines without a method are skipped. Empty when no stack trace is known.</param>
/// <param name="Message">The failure message (or body text) with variable parts masked (<see cref="FailureMasking.Mask"/>).</param>
public sealed record FailureFingerprint(string GroupId, FailureSource Source, string? ExceptionType, IReadOnlyList<string> Frames, string Message)
{
    /// <summary>The fingerprint as one line of text: source, exception type, frames and masked message, separated by <c> | </c>. <see cref="GroupId"/> is its hash.</summary>
    public string Text => FailureFingerprinter.Compose(Source, ExceptionType, Frames, Message);

    /// <summary>Computes the fingerprint of a message of a dead-letter queue: from <see cref="DeadLetterInfo.LastError"/> when there is one, else from the body.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static FailureFingerprint Of(QueueMessage message) => FailureFingerprinter.Of(message);
}

/// <summary>How many messages of a group (or an action) came from one source queue.</summary>
/// <param name="Queue">The queue the messages were dead-lettered from; empty for messages without dead-letter information (published straight to the queue).</param>
/// <param name="Count">How many messages.</param>
public sealed record DeadLetterSourceCount(string Queue, long Count);

/// <summary>A sample message of a dead-letter group, with its failure.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="SequenceNumber">The message's sequence number.</param>
/// <param name="BodyPreview">At most the first 256 characters of the body when it is UTF-8 text; otherwise the base64 of at most its first 192 bytes.</param>
/// <param name="BodyIsText">Whether <see cref="BodyPreview"/> is text (else base64).</param>
/// <param name="BodySize">The body's full size in bytes.</param>
/// <param name="DeadLetter">Why and from where the message was dead-lettered (its last error in full), or <see langword="null"/> when it was published straight to the queue.</param>
/// <param name="Failure">The last error read as a failure document (exception type, message, stack trace, every attempt), or <see langword="null"/> when it is not one.</param>
public sealed record DeadLetterSample(Guid MessageId, long SequenceNumber, string BodyPreview, bool BodyIsText, int BodySize, DeadLetterInfo? DeadLetter, FailureDetails? Failure);

/// <summary>Dead letters of one queue that share a failure fingerprint.</summary>
/// <param name="GroupId">The group id (<see cref="FailureFingerprint.GroupId"/>), used to act on the group.</param>
/// <param name="Count">How many messages of the queue are in the group (all states, leased ones included): exact unless <see cref="CountOvercount"/> is above 0, then at most this many.</param>
/// <param name="FirstDeadLetteredAt">The earliest dead-letter time of the group's messages (the sent time for a message without dead-letter information).</param>
/// <param name="LastDeadLetteredAt">The latest such time.</param>
/// <param name="SourceQueues">Counts per source queue, largest first then by name.</param>
/// <param name="Source">What the fingerprint was computed from.</param>
/// <param name="ExceptionType">The exception type, or <see langword="null"/>.</param>
/// <param name="Frames">The top application frames of the fingerprint (at most 3).</param>
/// <param name="Fingerprint">The masked message (or body) of the fingerprint.</param>
/// <param name="Sample">The group's first message in sequence order, with its failure.</param>
public sealed record DeadLetterGroup(
    string GroupId, long Count, DateTimeOffset FirstDeadLetteredAt, DateTimeOffset LastDeadLetteredAt,
    IReadOnlyList<DeadLetterSourceCount> SourceQueues, FailureSource Source, string? ExceptionType,
    IReadOnlyList<string> Frames, string Fingerprint, DeadLetterSample Sample)
{
    /// <summary>
    /// 0 when <see cref="Count"/> is exact (the usual case); otherwise the group began to be tracked only after more than
    /// <see cref="Broker.MaxTrackedDeadLetterGroups"/> groups were seen, and <see cref="Count"/> is an upper bound that may
    /// exceed the true count by at most this (the true count is at least <see cref="Count"/> minus this). Then the
    /// times, source queues and sample cover only the messages seen since the group was tracked.
    /// </summary>
    public long CountOvercount { get; init; }
}

/// <summary>The failure groups of a queue (usually a dead-letter queue), largest first.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Scanned">How many messages were read (every message of the queue at the time of its page, live ones included, which are never grouped).</param>
/// <param name="Groups">The largest groups, at most the requested number, by count descending then group id.</param>
/// <param name="TotalGroups">How many groups are tracked at the end (at most <see cref="Broker.MaxTrackedDeadLetterGroups"/>).</param>
/// <param name="Truncated">
/// Whether more groups exist than <paramref name="Groups"/> holds: more than were requested, or more than
/// <see cref="Broker.MaxTrackedDeadLetterGroups"/> (then <paramref name="Untracked"/> is above 0).
/// </param>
/// <param name="Untracked">
/// Dead letters counted for small groups that were later replaced by others (Space-Saving, see
/// <see cref="Broker.MaxTrackedDeadLetterGroups"/>): their counts live on as the over-estimates
/// (<see cref="DeadLetterGroup.CountOvercount"/>) of the groups that replaced them; 0 normally.
/// </param>
public sealed record DeadLetterGroupList(string Queue, long Scanned, IReadOnlyList<DeadLetterGroup> Groups, int TotalGroups, bool Truncated, long Untracked);

/// <summary>A bulk action on a dead-letter group.</summary>
public enum DeadLetterGroupAction
{
    /// <summary>Move the group's messages back to their source queues (or a given queue) to be processed again: receive count 0, dead-letter information cleared, rate-limited.</summary>
    Redrive = 0,

    /// <summary>Delete the group's messages.</summary>
    Delete = 1,

    /// <summary>Move the group's messages to a named queue at once, keeping their dead-letter information (so they can still be grouped there).</summary>
    Move = 2,
}

/// <summary>The outcome (or, for a dry run, the preview) of a bulk action on a dead-letter group.</summary>
/// <param name="Queue">The queue acted on.</param>
/// <param name="GroupId">The group.</param>
/// <param name="Action">The action.</param>
/// <param name="DryRun">Whether this was a dry run: nothing was changed.</param>
/// <param name="Destination">The destination queue; <see langword="null"/> for delete, and for a redrive to each message's source queue.</param>
/// <param name="Cutoff">
/// The action covers the group's messages dead-lettered at or before this time (the time of the call): a message
/// dead-lettered later, also during the action, is never included.
/// </param>
/// <param name="Affected">
/// Messages the action changed (delete, move), or would change (dry run), or found to move when a redrive started (the
/// started task, <see cref="Redrive"/>, reports what it actually moved).
/// </param>
/// <param name="SkippedLeased">Messages of the group skipped because a consumer of the queue held a lease on them at that moment.</param>
/// <param name="SkippedUnmovable">Messages of the group that could not move: no source queue (it was deleted, or the message was never dead-lettered) or the destination was full.</param>
/// <param name="SourceQueues">Counts of <paramref name="Affected"/> per source queue, largest first then by name.</param>
public sealed record DeadLetterGroupActionResult(
    string Queue, string GroupId, DeadLetterGroupAction Action, bool DryRun, string? Destination, DateTimeOffset Cutoff,
    long Affected, long SkippedLeased, long SkippedUnmovable, IReadOnlyList<DeadLetterSourceCount> SourceQueues)
{
    /// <summary>The redrive task started by a redrive that is not a dry run (follow it with <see cref="Broker.GetRedriveAsync"/>); otherwise <see langword="null"/>.</summary>
    public RedriveStatus? Redrive { get; init; }
}
