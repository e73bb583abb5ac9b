namespace Sluice.Storage;

/// <summary>
/// The stream errors, built in one place so every store and the broker say the same thing. The texts name no face's
/// commands or fields beyond the broker's own options (<c>makeStream</c> is <see cref="StreamGroupOptions.MakeStream"/>):
/// the RESP face answers Redis's exact texts from the codes (RespErrors), the REST face shows these.
/// </summary>
public static class StreamErrors
{
    /// <summary>stream_not_found (the fact only, as <see cref="StoreErrors.QueueNotFound"/>: every verb raises it, a delete too).</summary>
    public static SluiceException NotFound(string stream) => new(ErrorCodes.StreamNotFound,
        $"stream '{stream}' does not exist", "stream")
    { Resource = stream };

    /// <summary>stream_not_found: a group was to be created on a stream that does not exist, without makeStream.</summary>
    public static SluiceException NotFoundForGroup(string stream) => new(ErrorCodes.StreamNotFound,
        $"stream '{stream}' does not exist: append to it first, or create the group with makeStream to create the stream too", "stream")
    { Resource = stream };

    /// <summary>stream_not_found: a blocked group read woke to find its stream deleted.</summary>
    public static SluiceException DeletedWhileWaiting(string stream) => new(ErrorCodes.StreamNotFound,
        $"stream '{stream}' was deleted while the group read waited on it: create the stream and its group again (a group with makeStream does both)", "stream")
    { Resource = stream };

    /// <summary>stream_group_not_found (the fact only: a group delete raises it too).</summary>
    public static SluiceException GroupNotFound(string stream, string group) => new(ErrorCodes.StreamGroupNotFound,
        $"consumer group '{group}' does not exist on stream '{stream}' (or the stream does not exist)", "group")
    { Resource = stream };

    /// <summary>stream_group_exists.</summary>
    public static SluiceException GroupExists(string stream, string group) => new(ErrorCodes.StreamGroupExists,
        $"consumer group '{group}' already exists on stream '{stream}': use it, or delete it first", "group");

    /// <summary>stream_id_invalid.</summary>
    public static SluiceException IdInvalid(string text, string field = "id") => new(ErrorCodes.StreamIdInvalid,
        $"stream id '{text}' is invalid: use <ms>-<seq> or <ms>, unsigned 64-bit decimal numbers", field);

    /// <summary>stream_id_too_small: an explicit id not above the top item (or 0-0).</summary>
    public static SluiceException IdTooSmall(string stream, StreamEntryId id, StreamEntryId top, string field = "id") => new(ErrorCodes.StreamIdTooSmall,
        id.IsZero
            ? $"stream id 0-0 is not allowed on stream '{stream}': ids must be greater than 0-0"
            : $"stream id {id} is equal to or smaller than the top item {top} of stream '{stream}': use a larger id, or * to generate one", field);

    /// <summary>stream_id_exhausted.</summary>
    public static SluiceException IdExhausted(string stream) => new(ErrorCodes.StreamIdExhausted,
        $"stream '{stream}' has used the last possible id (18446744073709551615-18446744073709551615): no entry can be added after it; use another stream", "id");
}
