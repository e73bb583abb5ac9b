namespace Sluice.Faces.Resp.Commands;

/// <summary>
/// The one table from <see cref="SluiceException.ErrorCode"/> to a Redis error reply, with Redis's code prefix and
/// text (<c>t_stream.c</c>, <c>db.c</c>). Where Redis words an error by command (NOGROUP, a missing key), the row
/// reads the command, key and group from the request's arguments. A code not in the table becomes <c>ERR</c> with the
/// exception's message.
/// </summary>
internal static class RespErrors
{
    private static readonly Dictionary<string, Func<SluiceException, Request, string>> Table = new(StringComparer.Ordinal)
    {
        [ErrorCodes.StreamGroupNotFound] = static (e, q) => q.Command switch
        {
            // Over several streams, the one without the group (the first in the request when the broker did not say).
            "xreadgroup" => $"NOGROUP No such key '{e.Resource ?? q.Key}' or consumer group '{q.Group}' in XREADGROUP with GROUP option",
            "xgroup" or "xinfo" => $"NOGROUP No such consumer group '{q.Group}' for key name '{q.Key}'",
            _ => $"NOGROUP No such key '{q.Key}' or consumer group '{q.Group}'",
        },
        [ErrorCodes.StreamNotFound] = static (_, q) => q.Command switch
        {
            "xgroup" => "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
            // XREADGROUP names a missing stream NOGROUP; only a blocked read whose stream was deleted gets stream_not_found.
            "xreadgroup" => "UNBLOCKED the stream key no longer exists",
            _ => "ERR no such key",
        },
        [ErrorCodes.InvalidArgument] = static (e, q) => (q.Command, e.Field) switch
        {
            ("xsetid", "entriesAdded") => "ERR The entries_added specified in XSETID is smaller than the target stream length",
            _ => "ERR " + e.Message,
        },
        [ErrorCodes.StreamGroupExists] = static (_, _) => "BUSYGROUP Consumer Group name already exists",
        [ErrorCodes.StreamIdInvalid] = static (_, _) => RespCommands.InvalidId,
        [ErrorCodes.StreamIdTooSmall] = static (_, q) => q.Command == "xsetid"
            ? "ERR The ID specified in XSETID is smaller than the target stream top item"
            : "ERR The ID specified in XADD is equal or smaller than the target stream top item",
        [ErrorCodes.StreamIdExhausted] = static (_, _) => "ERR The stream has exhausted the last possible ID, unable to add more items",
        [ErrorCodes.MessageTooLarge] = static (_, _) => "ERR Elements are too large to be stored",
        [ErrorCodes.Unavailable] = static (_, _) => "LOADING Sluice is starting or stopping; retry shortly",
        [ErrorCodes.StorageFull] = static (_, _) => "OOM command not allowed when used memory > 'maxmemory'.",
        [ErrorCodes.StorageFailed] = static (_, _) => "MISCONF Sluice's storage failed; nothing was written",
        // Redis's ACL refusals (acl.c getAclErrorMessage, non-verbose): a key the user may not touch, else the command.
        [ErrorCodes.AccessDenied] = static (_, q) => q.HasKey
            ? "NOPERM No permissions to access a key"
            : $"NOPERM User {Sluice.Security.SluiceAccess.Current?.Name ?? "default"} has no permissions to run the '{q.Command}' command",
        [ErrorCodes.Unauthenticated] = static (_, _) => "NOAUTH Authentication required.",
    };

    /// <summary>The Redis error text (without the leading '-') for <paramref name="exception"/> raised by the command <paramref name="args"/>.</summary>
    public static string Map(SluiceException exception, byte[][] args) =>
        Table.TryGetValue(exception.ErrorCode, out var map) ? map(exception, Request.Of(args)) : "ERR " + exception.Message;

    /// <summary>The command name (lower case), key and group of a request, where Redis's texts name them.</summary>
    private readonly record struct Request(string Command, string? Key, string? Group)
    {
        /// <summary>Whether the command names keys (a first key position in the command table, or the streams of XREAD and XREADGROUP).</summary>
        public bool HasKey => Command is "xread" or "xreadgroup" || (RespCommandTable.Instance.Commands.TryGetValue(Command, out var spec) && spec.FirstKey > 0);

        public static Request Of(byte[][] a)
        {
            var command = RespArgs.Text(a[0]).ToLowerInvariant();
            string? Arg(int i) => i < a.Length ? RespArgs.Text(a[i]) : null;
            switch (command)
            {
                case "xgroup" or "xinfo":
                    return new(command, Arg(2), Arg(3));
                case "xreadgroup":
                    var streams = Array.FindIndex(a, x => RespArgs.Is(x, "STREAMS"));
                    var group = Array.FindIndex(a, x => RespArgs.Is(x, "GROUP"));
                    return new(command, streams > 0 ? Arg(streams + 1) : null, group > 0 ? Arg(group + 1) : null);
                default:
                    return new(command, Arg(1), Arg(2));
            }
        }
    }
}
