using System.Globalization;
using Sluice.Faces.Resp.Internal;
using static Sluice.Faces.Resp.Commands.RespArgs;
using static Sluice.Faces.Resp.Commands.RespCommandFlags;

namespace Sluice.Faces.Resp.Commands;

/// <summary>
/// The generic key commands over Sluice's keys, which are its streams (the only Redis type Sluice serves): TYPE,
/// EXISTS, DEL, UNLINK, RENAME, RENAMENX, KEYS, SCAN, TTL, PTTL, PERSIST, EXPIRE and PEXPIRE.
/// </summary>
internal static partial class RespCommands
{
    private const string NoSuchKey = "ERR no such key";

    private static IEnumerable<RespCommandSpec> KeyCommands() =>
    [
        new("type", 2, ReadOnly | Fast, TypeOf, 1, 1, 1, "Determines the type of value stored at a key."),
        new("exists", -2, ReadOnly | Fast, Exists, 1, -1, 1, "Determines whether one or more keys exist."),
        new("del", -2, Write, Del, 1, -1, 1, "Deletes one or more keys."),
        new("unlink", -2, Write | Fast, Del, 1, -1, 1, "Asynchronously deletes one or more keys."),
        new("rename", 3, Write, (s, a) => Rename(s, a, replace: true), 1, 2, 1, "Renames a key and overwrites the destination."),
        new("renamenx", 3, Write | Fast, (s, a) => Rename(s, a, replace: false), 1, 2, 1, "Renames a key only when the target key name doesn't exist."),
        new("keys", 2, ReadOnly, Keys, Summary: "Returns all key names that match a pattern."),
        new("scan", -2, ReadOnly, Scan, Summary: "Iterates over the key names in the database."),
        new("ttl", 2, ReadOnly | Fast, Ttl, 1, 1, 1, "Returns the expiration time in seconds of a key."),
        new("pttl", 2, ReadOnly | Fast, Ttl, 1, 1, 1, "Returns the expiration time in milliseconds of a key."),
        new("persist", 2, Write | Fast, Persist, 1, 1, 1, "Removes the expiration time of a key."),
        new("expire", -3, Write | Fast, Expire, 1, 1, 1, "Sets the expiration time of a key in seconds (refused: streams expire by retention)."),
        new("pexpire", -3, Write | Fast, Expire, 1, 1, 1, "Sets the expiration time of a key in milliseconds (refused: streams expire by retention)."),
    ];

    private static async ValueTask<long> CountKeysAsync(RespSession s) =>
        B(s).SupportsStreams ? (await B(s).ListStreamsAsync(s.Aborted).ConfigureAwait(false)).Count : 0;

    private static async ValueTask DeleteAllKeysAsync(RespSession s)
    {
        if (!B(s).SupportsStreams)
            return;
        // One step for every other caller (each deleted stream's WATCH version changes).
        await B(s).RunStreamTransactionAsync(async token =>
        {
            foreach (var name in await B(s).ListStreamsAsync(token).ConfigureAwait(false))
                await B(s).DeleteStreamAsync(name, token).ConfigureAwait(false);
            return true;
        }, s.Aborted).ConfigureAwait(false);
    }

    private static async ValueTask TypeOf(RespSession s, byte[][] a) =>
        s.Reply.SimpleString(await B(s).StreamExistsAsync(Key(a[1]), s.Aborted).ConfigureAwait(false) ? "stream" : "none");

    private static async ValueTask Exists(RespSession s, byte[][] a)
    {
        var count = 0L;
        for (var i = 1; i < a.Length; i++)
        {
            if (await B(s).StreamExistsAsync(Key(a[i]), s.Aborted).ConfigureAwait(false))
                count++;
        }
        s.Reply.Integer(count);
    }

    private static async ValueTask Del(RespSession s, byte[][] a)
    {
        // Every name checked first; then several keys go in one step, as Redis deletes them.
        var keys = new string[a.Length - 1];
        for (var i = 1; i < a.Length; i++)
            keys[i - 1] = Key(a[i]);
        var count = await B(s).RunStreamTransactionAsync(async token =>
        {
            var count = 0L;
            foreach (var key in keys)
            {
                if (await B(s).DeleteStreamAsync(key, token).ConfigureAwait(false))
                    count++;
            }
            return count;
        }, s.Aborted).ConfigureAwait(false);
        s.Reply.Integer(count);
    }

    private static async ValueTask Rename(RespSession s, byte[][] a, bool replace)
    {
        var source = Key(a[1]);
        var destination = Key(a[2]);
        if (!await B(s).StreamExistsAsync(source, s.Aborted).ConfigureAwait(false))
            throw new RespErrorException(NoSuchKey);
        var renamed = source == destination
            ? replace
            : await B(s).RenameStreamAsync(source, destination, replace, s.Aborted).ConfigureAwait(false);
        if (replace)
            s.Reply.Ok();
        else
            s.Reply.Integer(renamed ? 1 : 0);
    }

    private static async ValueTask Keys(RespSession s, byte[][] a)
    {
        var pattern = Text(a[1]);
        var names = B(s).SupportsStreams ? await B(s).ListStreamsAsync(s.Aborted).ConfigureAwait(false) : [];
        var matched = names.Where(n => RespGlob.IsMatch(pattern, n)).ToList();
        s.Reply.Array(matched.Count);
        foreach (var name in matched)
            s.Reply.Bulk(name);
    }

    /// <summary>
    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: the cursor is a position in the ordered key list, so a
    /// key present for the whole iteration is returned exactly once (as Redis guarantees, at least once).
    /// </summary>
    private static async ValueTask Scan(RespSession s, byte[][] a)
    {
        if (!ulong.TryParse(Text(a[1]), NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            throw new RespErrorException("ERR invalid cursor");
        string? pattern = null, type = null;
        var count = 10L;
        for (var i = 2; i < a.Length; i++)
        {
            var more = a.Length - 1 - i;
            if (Is(a[i], "MATCH") && more >= 1)
            {
                pattern = Text(a[++i]);
            }
            else if (Is(a[i], "COUNT") && more >= 1)
            {
                count = Long(a[++i]);
                if (count < 1)
                    throw new RespErrorException(SyntaxError);
            }
            else if (Is(a[i], "TYPE") && more >= 1)
            {
                type = Text(a[++i]).ToLowerInvariant();
            }
            else
            {
                throw new RespErrorException(SyntaxError);
            }
        }
        var names = B(s).SupportsStreams ? await B(s).ListStreamsAsync(s.Aborted).ConfigureAwait(false) : [];
        var start = (int)Math.Min(cursor, (ulong)names.Count);
        var end = (int)Math.Min(names.Count, start + count);
        var page = names.Skip(start).Take(end - start)
            .Where(n => (pattern is null || RespGlob.IsMatch(pattern, n)) && (type is null || type == "stream")).ToList();
        var r = s.Reply;
        r.Array(2);
        r.BulkNumber(end >= names.Count ? 0 : end);
        r.Array(page.Count);
        foreach (var name in page)
            r.Bulk(name);
    }

    /// <summary>TTL and PTTL: -2 when the key does not exist, -1 otherwise (streams carry no expiry; retention trims entries instead).</summary>
    private static async ValueTask Ttl(RespSession s, byte[][] a) =>
        s.Reply.Integer(await B(s).StreamExistsAsync(Key(a[1]), s.Aborted).ConfigureAwait(false) ? -1 : -2);

    private static async ValueTask Persist(RespSession s, byte[][] a)
    {
        _ = await B(s).StreamExistsAsync(Key(a[1]), s.Aborted).ConfigureAwait(false);
        s.Reply.Integer(0); // no key has an expiry to remove
    }

    /// <summary>EXPIRE and PEXPIRE: refused (state unchanged): a stream keeps its entries by retention, not by key expiry.</summary>
    private static ValueTask Expire(RespSession s, byte[][] a)
    {
        _ = Long(a[2]);
        throw new RespErrorException("ERR Sluice streams do not expire: limit them with XADD MAXLEN/MINID, XTRIM, or the stream's retention (max length, bytes, age)");
    }
}
