using Sluice.Faces.Resp.Internal;
using static Sluice.Faces.Resp.Commands.RespArgs;

namespace Sluice.Faces.Resp.Commands;

internal static partial class RespCommands
{
    /// <summary>The Redis version whose commands and replies this face follows (HELLO's and INFO's <c>redis_version</c>).</summary>
    public const string RedisVersion = "7.0.0";

    private const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
    private const string BadClientName = "ERR Client names cannot contain spaces, newlines or special characters.";

    private static ValueTask Ping(RespSession s, byte[][] a)
    {
        if (a.Length > 2)
            throw new RespErrorException(RespCommandTable.WrongArity("ping"));
        if (a.Length == 2)
            s.Reply.Bulk(a[1]);
        else
            s.Reply.SimpleString("PONG");
        return default;
    }

    private static ValueTask Echo(RespSession s, byte[][] a)
    {
        s.Reply.Bulk(a[1]);
        return default;
    }

    private static ValueTask Quit(RespSession s, byte[][] a)
    {
        s.Reply.Ok();
        s.CloseRequested = true;
        return default;
    }

    private static ValueTask Reset(RespSession s, byte[][] a)
    {
        s.Queued = null;
        s.TransactionFailed = false;
        s.Watched = null;
        s.Name = null;
        s.Reply.Protocol = 2;
        s.Principal = null;
        s.ApiKey = null;
        s.Authenticated = !s.Server.AuthRequired;
        s.Reply.SimpleString("RESET");
        return default;
    }

    private static ValueTask Select(RespSession s, byte[][] a)
    {
        var db = Long(a[1]);
        if (db is < 0 or > int.MaxValue)
            throw new RespErrorException(NotAnInteger);
        if (db != 0)
            throw new RespErrorException("ERR DB index is out of range");
        s.Reply.Ok();
        return default;
    }

    private static async ValueTask Auth(RespSession s, byte[][] a)
    {
        if (a.Length > 3)
            throw new RespErrorException(SyntaxError);
        if (a.Length == 2 && !s.Server.AuthRequired)
            throw new RespErrorException("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        if (!await s.Server.AuthenticateAsync(s, a.Length == 3 ? a[1] : null, a[^1]).ConfigureAwait(false))
            throw new RespErrorException(WrongPass);
        s.Reply.Ok();
    }

    private static async ValueTask Hello(RespSession s, byte[][] a)
    {
        var version = 0L;
        var next = 1;
        if (a.Length >= 2)
        {
            next = 2;
            if (!TryLong(a[1], out version))
                throw new RespErrorException("ERR Protocol version is not an integer or out of range");
            if (version is < 2 or > 3)
                throw new RespErrorException("NOPROTO unsupported protocol version");
        }
        byte[]? user = null, password = null, name = null;
        for (var i = next; i < a.Length; i++)
        {
            var more = a.Length - 1 - i;
            if (Is(a[i], "AUTH") && more >= 2)
            {
                user = a[i + 1];
                password = a[i + 2];
                i += 2;
            }
            else if (Is(a[i], "SETNAME") && more >= 1)
            {
                name = a[++i];
                if (!ValidClientName(name))
                    throw new RespErrorException(BadClientName);
            }
            else
            {
                throw new RespErrorException($"ERR Syntax error in HELLO option '{Text(a[i])}'");
            }
        }
        if (user is not null && !await s.Server.AuthenticateAsync(s, user, password!).ConfigureAwait(false))
            throw new RespErrorException(WrongPass);
        if (!s.Authenticated)
        {
            throw new RespErrorException("NOAUTH HELLO must be called with the client already authenticated, otherwise the " +
                "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        }
        if (name is not null)
            s.Name = name.Length == 0 ? null : Text(name);
        if (version != 0)
            s.Reply.Protocol = (int)version;
        var r = s.Reply;
        r.Map(7);
        r.Bulk("server"u8);
        r.Bulk("redis"u8);
        r.Bulk("version"u8);
        r.Bulk(RedisVersion);
        r.Bulk("proto"u8);
        r.Integer(r.Protocol);
        r.Bulk("id"u8);
        r.Integer(s.Id);
        r.Bulk("mode"u8);
        r.Bulk("standalone"u8);
        r.Bulk("role"u8);
        r.Bulk("master"u8);
        r.Bulk("modules"u8);
        r.Array(0);
    }

    private static bool ValidClientName(byte[] name)
    {
        foreach (var c in name)
        {
            if (c is < (byte)'!' or > (byte)'~')
                return false;
        }
        return true;
    }

    private static ValueTask Client(RespSession s, byte[][] a)
    {
        var sub = Text(a[1]).ToLowerInvariant();
        var r = s.Reply;
        switch (sub)
        {
            case "setname":
                Arity(a, 3, "client|setname");
                if (!ValidClientName(a[2]))
                    throw new RespErrorException(BadClientName);
                s.Name = a[2].Length == 0 ? null : Text(a[2]);
                r.Ok();
                break;
            case "getname":
                Arity(a, 2, "client|getname");
                if (s.Name is null)
                    r.Null();
                else
                    r.Bulk(s.Name);
                break;
            case "id":
                Arity(a, 2, "client|id");
                r.Integer(s.Id);
                break;
            case "setinfo":
                Arity(a, 4, "client|setinfo");
                if (Is(a[2], "lib-name"))
                {
                    if (!ValidClientName(a[3]))
                        throw new RespErrorException("ERR lib-name cannot contain spaces, newlines or special characters.");
                    s.LibraryName = Text(a[3]);
                }
                else if (Is(a[2], "lib-ver"))
                {
                    if (!ValidClientName(a[3]))
                        throw new RespErrorException("ERR lib-ver cannot contain spaces, newlines or special characters.");
                    s.LibraryVersion = Text(a[3]);
                }
                else
                {
                    throw new RespErrorException($"ERR Unrecognized option '{Text(a[2])}'");
                }
                r.Ok();
                break;
            case "info":
                Arity(a, 2, "client|info");
                r.Verbatim(ClientLine(s) + "\n");
                break;
            case "help":
                Arity(a, 2, "client|help");
                r.Array(6);
                r.SimpleString("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
                r.SimpleString("GETNAME, SETNAME <name>: get or set the connection's name.");
                r.SimpleString("ID: the connection's id.");
                r.SimpleString("INFO: information about the connection.");
                r.SimpleString("SETINFO <LIB-NAME|LIB-VER> <value>: the client library's name or version.");
                r.SimpleString("HELP: this text.");
                break;
            default:
                throw new RespErrorException($"ERR unknown subcommand '{Truncate(Text(a[1]))}'. Try CLIENT HELP.");
        }
        return default;
    }

    private static string ClientLine(RespSession s)
    {
        var now = s.Server.Time.GetUtcNow();
        return FormattableString.Invariant(
            $"id={s.Id} addr={s.RemoteAddress} laddr= fd=0 name={s.Name} age={(long)(now - s.ConnectedAt).TotalSeconds} idle=0 flags={(s.Queued is null ? "N" : "x")} db=0 sub=0 psub=0 ssub=0 multi={(s.Queued?.Count ?? -1)} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=client|info user=default redir=-1 resp={s.Reply.Protocol} lib-name={s.LibraryName} lib-ver={s.LibraryVersion}");
    }

    /// <summary>
    /// Redis's checks of a container command's subcommand (<c>processCommand</c>): <paramref name="arity"/> 0 means
    /// unknown (<c>ERR unknown subcommand 'x'. Try XGROUP HELP.</c>), otherwise as <see cref="Arity"/> with the name
    /// <c>container|sub</c>.
    /// </summary>
    private static void SubcommandArity(byte[][] a, string container, int arity)
    {
        if (arity == 0)
            throw new RespErrorException($"ERR unknown subcommand '{Truncate(Text(a[1]))}'. Try {container.ToUpperInvariant()} HELP.");
        Arity(a, arity, container + "|" + Text(a[1]).ToLowerInvariant());
    }

    /// <summary>Checks a subcommand's arity (positive: exactly, negative: at least) with Redis's <c>container|sub</c> name in the error.</summary>
    private static void Arity(byte[][] a, int arity, string fullName)
    {
        if ((arity > 0 && a.Length != arity) || (arity < 0 && a.Length < -arity))
            throw new RespErrorException(RespCommandTable.WrongArity(fullName));
    }

    private static string Truncate(string text) => text.Length > 128 ? text[..128] : text;
}
