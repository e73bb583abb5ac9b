namespace Sluice.Faces.Resp.Commands;

/// <summary>
/// The one table from <see cref="SluiceException.ErrorCode"/> to a Redis error reply (code prefix and text as Redis's
/// <c>t_stream.c</c>, <c>server.c</c> and <c>db.c</c> word them). A code not in the table becomes <c>ERR</c> with the
/// exception's message on one line.
/// </summary>
internal static class RespErrors
{
    private static readonly Dictionary<string, Func<SluiceException, string>> Table = new(StringComparer.Ordinal)
    {
        [ErrorCodes.InvalidArgument] = ex => "ERR " + ex.Message,
        [ErrorCodes.Unavailable] = _ => "LOADING Sluice is starting or stopping; retry shortly",
        [ErrorCodes.StorageFull] = _ => "OOM command not allowed when used memory > 'maxmemory'.",
        [ErrorCodes.StorageFailed] = _ => "MISCONF Sluice's storage failed; nothing was written",
    };

    /// <summary>The Redis error text (without the leading '-') for <paramref name="exception"/>.</summary>
    public static string Map(SluiceException exception) =>
        Table.TryGetValue(exception.ErrorCode, out var map) ? map(exception) : "ERR " + exception.Message;
}
