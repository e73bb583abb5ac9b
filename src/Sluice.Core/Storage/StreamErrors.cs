namespace Sluice.Storage;

/// <summary>The stream errors, built in one place so every store and the broker say the same thing.</summary>
public static class StreamErrors
{
    /// <summary>stream_not_found.</summary>
    public static SluiceException NotFound(string stream) => new(ErrorCodes.StreamNotFound,
        $"stream '{stream}' does not exist: append to it first, or create the group with makeStream (XGROUP CREATE ... MKSTREAM)", "stream")
    { Resource = stream };

    /// <summary>stream_not_found: a blocked group read woke to find its stream deleted.</summary>
    public static SluiceException DeletedWhileWaiting(string stream) => new(ErrorCodes.StreamNotFound,
        $"stream '{stream}' was deleted while the group read waited on it: create the stream and its group again (XGROUP CREATE {stream} <group> $ MKSTREAM)", "stream")
    { Resource = stream };

    /// <summary>stream_group_not_found.</summary>
    public static SluiceException GroupNotFound(string stream, string group) => new(ErrorCodes.StreamGroupNotFound,
        $"no consumer group '{group}' on stream '{stream}' (or the stream does not exist): create it first (XGROUP CREATE {stream} {group} $ MKSTREAM)", "group")
    { Resource = stream };

    /// <summary>stream_group_exists.</summary>
    public static SluiceException GroupExists(string stream, string group) => new(ErrorCodes.StreamGroupExists,
        $"consumer group '{group}' already exists on stream '{stream}': use it, or destroy it first (XGROUP DESTROY)", "group");

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
        $"stream '{stream}' has used the last possible id: no entry can be added after it; trim it and set a smaller last id (XSETID), or use another stream", "id");
}
