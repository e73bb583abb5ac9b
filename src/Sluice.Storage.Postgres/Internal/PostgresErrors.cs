using System.Net.Sockets;
using Npgsql;

namespace Sluice.Storage.Postgres.Internal;

/// <summary>
/// The PostgreSQL store's one classification of database failures into Sluice codes, by SQLSTATE and Npgsql's
/// <see cref="NpgsqlException.IsTransient"/>, never by message text. Clients see the code and what to do; the
/// database's own text stays in the inner exception, for the server log.
/// </summary>
internal static class PostgresErrors
{
    // SQLSTATE codes (PostgreSQL manual, appendix A).
    private const string SerializationFailure = "40001";
    private const string DeadlockDetected = "40P01";
    private const string UniqueViolation = "23505";
    private const string DiskFull = "53100";

    /// <summary>
    /// Whether the failure is a conflict PostgreSQL resolved by aborting this transaction (a deadlock, a
    /// serialization failure, a unique key another node inserted at the same moment), so that running the whole
    /// operation again in a new transaction is the fix.
    /// </summary>
    public static bool IsConflict(Exception exception) => exception switch
    {
        ConflictException => true,
        PostgresException { SqlState: SerializationFailure or DeadlockDetected or UniqueViolation } => true,
        _ => false,
    };

    /// <summary>The error for a failure of the database or the connection to it, or <see langword="null"/> when <paramref name="exception"/> is neither.</summary>
    public static SluiceException? Classify(Exception exception) => exception switch
    {
        PostgresException { SqlState: DiskFull } => StoreErrors.StorageFull(exception),
        NpgsqlException { IsTransient: true } or SocketException or TimeoutException or IOException => Unreachable(exception),
        PostgresException p => new SluiceException(ErrorCodes.Internal,
            $"the PostgreSQL store failed an operation (SQLSTATE {p.SqlState}): nothing of it was stored; the server log has the database's message",
            null, isTransient: false, exception),
        NpgsqlException => Unreachable(exception),
        _ => null,
    };

    /// <summary><see cref="ErrorCodes.Unavailable"/> (transient): the database could not be reached, or the connection broke.</summary>
    public static SluiceException Unreachable(Exception? inner) => new(ErrorCodes.Unavailable,
        "the PostgreSQL database could not be reached or the connection to it broke: the request was not completed " +
        "(if the connection broke while it committed, it may have taken effect: a publish retried with the same " +
        "deduplication id is not stored twice); retry, and if it persists the operator should check the database",
        null, isTransient: true, inner);

    /// <summary><see cref="ErrorCodes.Unavailable"/> (transient): the conflict retries were used up.</summary>
    public static SluiceException TooManyConflicts(Exception inner) => new(ErrorCodes.Unavailable,
        "the PostgreSQL store met conflicting writes from other requests on every attempt: nothing of this request was stored; retry",
        null, isTransient: true, inner);
}

/// <summary>Thrown inside an operation that lost a race with a concurrent transaction and must run again from the start.</summary>
internal sealed class ConflictException : Exception
{
    public ConflictException()
        : base("a concurrent transaction changed the same rows: run the operation again")
    {
    }

    public ConflictException(string message)
        : base(message)
    {
    }

    public ConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
