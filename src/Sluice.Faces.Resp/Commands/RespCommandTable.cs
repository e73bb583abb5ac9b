using System.Collections.Frozen;
using System.Text;
using Sluice.Faces.Resp.Internal;
using Sluice.Security;

namespace Sluice.Faces.Resp.Commands;

/// <summary>Runs one command: reads its arguments (name first) and writes exactly one reply to the session.</summary>
internal delegate ValueTask RespHandler(RespSession session, byte[][] args);

/// <summary>What the server checks before running a command, and what COMMAND tells clients about it.</summary>
[Flags]
internal enum RespCommandFlags
{
    None = 0,
    Write = 1,
    ReadOnly = 2,
    /// <summary>Allowed before AUTH (AUTH, HELLO, QUIT).</summary>
    NoAuth = 4,
    /// <summary>Runs at once inside MULTI instead of being queued (MULTI, EXEC, DISCARD, WATCH, UNWATCH, QUIT).</summary>
    NoQueue = 8,
    /// <summary>May block the client (XREAD, XREADGROUP with BLOCK).</summary>
    Blocking = 16,
    Fast = 32,
    Admin = 64,
    /// <summary>
    /// May start while earlier commands of its connection still wait for their commit (pipelining; see
    /// <see cref="RespCommandTable.MayOverlap"/>). The handler's contract: exactly one broker call, made before its
    /// first await, and no connection state read or changed after it. A store runs one caller's calls in the order
    /// issued, so the command still sees every earlier command's effects. Not a Redis flag (COMMAND does not show it).
    /// </summary>
    Pipelined = 128,
}

/// <summary>
/// A command as Redis's command table describes it: name, arity (positive: exactly; negative: at least), flags, and
/// the positions of its keys (first, last, step; last -1 means the last argument).
/// </summary>
internal sealed record RespCommandSpec(string Name, int Arity, RespCommandFlags Flags, RespHandler Handler,
    int FirstKey = 0, int LastKey = 0, int KeyStep = 0, string Summary = "");

/// <summary>
/// The command table and the one place commands run: lookup, arity, authentication and MULTI queueing, with
/// Redis's replies for each refusal (<c>server.c</c> <c>processCommand</c>), and SluiceException codes mapped to
/// Redis errors by <see cref="RespErrors"/>. Any other exception a command throws (a bug) is logged and answered
/// <c>ERR internal error running 'name' (see the server log)</c>; the connection and its pipeline carry on.
/// </summary>
internal sealed class RespCommandTable
{
    public static RespCommandTable Instance { get; } = new(RespCommands.All());

    private RespCommandTable(IEnumerable<RespCommandSpec> specs) =>
        Commands = specs.ToFrozenDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public FrozenDictionary<string, RespCommandSpec> Commands { get; }

    /// <summary>Runs (or, inside MULTI, queues) one command and writes its reply.</summary>
    public async ValueTask ExecuteAsync(RespSession session, byte[][] args)
    {
        session.Server.CommandDone();
        var name = Encoding.UTF8.GetString(args[0]);
        if (!Commands.TryGetValue(name, out var spec))
        {
            Reject(session, UnknownCommand(args));
            return;
        }
        if ((spec.Arity > 0 && args.Length != spec.Arity) || (spec.Arity < 0 && args.Length < -spec.Arity))
        {
            Reject(session, WrongArity(spec.Name));
            return;
        }
        if ((spec.Flags & RespCommandFlags.NoAuth) == 0 &&
            (!session.Authenticated || !await session.Server.StillAuthenticatedAsync(session).ConfigureAwait(false)))
        {
            Reject(session, "NOAUTH Authentication required.");
            return;
        }
        if (session.Queued is not null && (spec.Flags & RespCommandFlags.NoQueue) == 0)
        {
            session.Queued.Add(args);
            session.Reply.SimpleString("QUEUED");
            return;
        }
        if (session.Principal is { } principal)
        {
            // The broker checks each call against the connection's principal (SluiceAccess.Demand); EXEC's queue runs inside too.
            using var access = SluiceAccess.Enter(principal);
            await RunAsync(session, spec, args).ConfigureAwait(false);
            return;
        }
        await RunAsync(session, spec, args).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the command in <paramref name="args"/> may start before the connection's earlier commands are answered:
    /// a <see cref="RespCommandFlags.Pipelined"/> command outside MULTI, and for a blocking one only without a BLOCK
    /// option (a blocking read waits for everything before it and holds back everything after it). Anything else
    /// (unknown commands included) waits until every earlier command is answered, as it always did.
    /// </summary>
    public bool MayOverlap(RespSession session, byte[][] args)
    {
        if (session.Queued is not null || !Commands.TryGetValue(Encoding.UTF8.GetString(args[0]), out var spec)
            || (spec.Flags & RespCommandFlags.Pipelined) == 0)
            return false;
        if ((spec.Flags & RespCommandFlags.Blocking) == 0)
            return true;
        // XREAD / XREADGROUP: options come before STREAMS (GROUP takes two values, COUNT one); a BLOCK among them, or
        // anything unexpected, makes the read wait for its turn like any other command.
        for (var i = 1; i < args.Length; i++)
        {
            if (RespArgs.Is(args[i], "STREAMS"))
                return true;
            if (RespArgs.Is(args[i], "GROUP"))
                i += 2;
            else if (RespArgs.Is(args[i], "COUNT"))
                i++;
            else if (!RespArgs.Is(args[i], "NOACK"))
                return false;
        }
        return false;
    }

    /// <summary>Runs a command that passed the checks (EXEC runs its queue through here).</summary>
    public static async ValueTask RunAsync(RespSession session, RespCommandSpec spec, byte[][] args)
    {
        try
        {
            await spec.Handler(session, args).ConfigureAwait(false);
        }
        catch (RespErrorException ex)
        {
            session.Reply.Error(ex.Message);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.Internal)
        {
            // Its message may carry internals (SQL, paths): it goes to the log only.
            RespLog.CommandFailed(session.Server.Logger, ex, spec.Name, session.Id);
            session.Reply.Error(InternalError(spec));
        }
        catch (SluiceException ex)
        {
            if (ex.ErrorCode is ErrorCodes.Unavailable or ErrorCodes.StorageFull or ErrorCodes.StorageFailed)
            {
                // The reply says what happened in Redis's words; the storage engine's cause goes to the log.
                RespLog.ServiceFailure(session.Server.Logger, ex, spec.Name, session.Id, ex.ErrorCode);
            }

            session.Reply.Error(RespErrors.Map(ex, args));
        }
#pragma warning disable CA1031 // A bug in one command must not drop the connection and the commands pipelined behind it.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            RespLog.CommandFailed(session.Server.Logger, ex, spec.Name, session.Id);
            session.Reply.Error(InternalError(spec));
        }
    }

    private static string InternalError(RespCommandSpec spec) => $"ERR internal error running '{spec.Name}' (see the server log)";

    /// <summary>A refusal before the command ran: inside MULTI it also dooms the transaction (EXECABORT).</summary>
    private static void Reject(RespSession session, string error)
    {
        if (session.Queued is not null)
            session.TransactionFailed = true;
        session.Reply.Error(error);
    }

    /// <summary>Redis's text: <c>ERR unknown command 'x', with args beginning with: 'a' 'b' </c> (at most 128 characters of arguments).</summary>
    public static string UnknownCommand(byte[][] args)
    {
        var text = new StringBuilder();
        for (var i = 1; i < args.Length && text.Length < 128; i++)
        {
            var arg = Encoding.UTF8.GetString(args[i]);
            var room = 128 - text.Length;
            text.Append('\'').Append(arg.Length > room ? arg[..room] : arg).Append("' ");
        }
        var name = Encoding.UTF8.GetString(args[0]);
        return $"ERR unknown command '{(name.Length > 128 ? name[..128] : name)}', with args beginning with: {text}";
    }

    /// <summary>Redis's text: <c>ERR wrong number of arguments for 'xadd' command</c>.</summary>
    public static string WrongArity(string fullName) => $"ERR wrong number of arguments for '{fullName}' command";
}

/// <summary>A Redis error reply raised by a command handler; its message is the reply text (code first).</summary>
#pragma warning disable CA1032 // Internal: only the message constructor is ever used.
internal sealed class RespErrorException(string message) : Exception(message);
#pragma warning restore CA1032
