using Sluice.Faces.Resp.Internal;

namespace Sluice.Faces.Resp.Commands;

internal static partial class RespCommands
{
    private static ValueTask Multi(RespSession s, byte[][] a)
    {
        if (s.Queued is not null)
            throw new RespErrorException("ERR MULTI calls can not be nested");
        s.Queued = [];
        s.TransactionFailed = false;
        s.Reply.Ok();
        return default;
    }

    private static ValueTask Discard(RespSession s, byte[][] a)
    {
        if (s.Queued is null)
            throw new RespErrorException("ERR DISCARD without MULTI");
        EndTransaction(s);
        s.Reply.Ok();
        return default;
    }

    /// <summary>
    /// Runs the queued commands in order, their replies in one array, inside the broker's stream transaction: no stream
    /// operation of another connection or face takes effect in between. EXECABORT when a command failed to queue; a
    /// null array when a WATCHed key was written since WATCH (by any face), compared inside the transaction. A command
    /// that fails answers its error and the others still run (no rollback, as Redis). Blocking reads inside do not block.
    /// </summary>
    private static async ValueTask Exec(RespSession s, byte[][] a)
    {
        if (s.Queued is not { } queued)
            throw new RespErrorException("ERR EXEC without MULTI");
        var failed = s.TransactionFailed;
        var watched = s.Watched;
        EndTransaction(s);
        if (failed)
            throw new RespErrorException("EXECABORT Transaction discarded because of previous errors.");
        await B(s).RunStreamTransactionAsync(async _ =>
        {
            if (watched is not null && watched.Any(w => B(s).GetStreamVersion(w.Key) != w.Value))
            {
                s.Reply.NullArray();
                return true;
            }
            s.Reply.Array(queued.Count);
            s.InExec = true;
            try
            {
                foreach (var args in queued)
                    await RespCommandTable.RunAsync(s, s.Server.Commands.Commands[RespArgs.Text(args[0])], args).ConfigureAwait(false);
            }
            finally
            {
                s.InExec = false;
            }
            return true;
        }, s.Aborted).ConfigureAwait(false);
    }

    private static ValueTask Watch(RespSession s, byte[][] a)
    {
        if (s.Queued is not null)
            throw new RespErrorException("ERR WATCH inside MULTI is not allowed");
        s.Watched ??= new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < a.Length; i++)
        {
            var key = RespArgs.Text(a[i]);
            s.Watched.TryAdd(key, B(s).GetStreamVersion(key));
        }
        s.Reply.Ok();
        return default;
    }

    private static ValueTask Unwatch(RespSession s, byte[][] a)
    {
        s.Watched = null;
        s.Reply.Ok();
        return default;
    }

    private static void EndTransaction(RespSession s)
    {
        s.Queued = null;
        s.TransactionFailed = false;
        s.Watched = null;
    }
}
