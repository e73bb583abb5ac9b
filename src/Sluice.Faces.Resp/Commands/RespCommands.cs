using static Sluice.Faces.Resp.Commands.RespCommandFlags;

namespace Sluice.Faces.Resp.Commands;

/// <summary>
/// Every command of the RESP face, split into partial files by concern (connection, server, keys, transactions,
/// streams). Names, arities, flags and key positions follow Redis's command table (<c>src/commands/*.json</c>).
/// </summary>
internal static partial class RespCommands
{
    /// <summary>The table rows.</summary>
    public static IEnumerable<RespCommandSpec> All() =>
    [
        // Connection
        new("ping", -1, Fast, Ping, Summary: "Returns the server's liveliness response."),
        new("echo", 2, Fast, Echo, Summary: "Returns the given string."),
        new("hello", -1, Fast | NoAuth, Hello, Summary: "Handshakes with the server: protocol version, AUTH, SETNAME."),
        new("auth", -2, Fast | NoAuth, Auth, Summary: "Authenticates the connection."),
        new("client", -2, None, Client, Summary: "A container for client connection commands."),
        new("select", 2, Fast, Select, Summary: "Changes the selected database (only 0 exists)."),
        new("quit", -1, Fast | NoAuth | NoQueue, Quit, Summary: "Closes the connection."),
        new("reset", 1, Fast | NoAuth | NoQueue, Reset, Summary: "Resets the connection."),

        // Server
        new("command", -1, None, Command, Summary: "Returns detailed information about all commands."),
        new("info", -1, None, Info, Summary: "Returns information and statistics about the server."),
        new("dbsize", 1, ReadOnly | Fast, DbSize, Summary: "Returns the number of keys in the database."),
        new("flushdb", -1, Write | Admin, FlushDb, Summary: "Removes all keys from the current database."),
        new("flushall", -1, Write | Admin, FlushDb, Summary: "Removes all keys from all databases."),
        new("function", -2, None, FunctionOrScript, Summary: "A container for function commands (FLUSH only)."),
        new("script", -2, None, FunctionOrScript, Summary: "A container for Lua scripts management commands (FLUSH only)."),
        new("time", 1, Fast, Time, Summary: "Returns the server time."),

        // Transactions
        new("multi", 1, Fast | NoQueue, Multi, Summary: "Starts a transaction."),
        new("exec", 1, NoQueue, Exec, Summary: "Executes all commands in a transaction."),
        new("discard", 1, Fast | NoQueue, Discard, Summary: "Discards a transaction."),
        new("watch", -2, Fast | NoQueue, Watch, 1, -1, 1, "Monitors changes to keys to determine the execution of a transaction."),
        new("unwatch", 1, Fast | NoQueue, Unwatch, Summary: "Forgets about watched keys of a transaction."),
        .. KeyCommands(),
        .. StreamCommands(),
    ];
}
