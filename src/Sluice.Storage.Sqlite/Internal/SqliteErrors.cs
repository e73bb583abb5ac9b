using Microsoft.Data.Sqlite;

namespace Sluice.Storage.Sqlite.Internal;

/// <summary>
/// The SQLite store's one classification of engine failures into Sluice codes. Clients see the code and a message
/// saying what to do; SQLite's own text stays in the inner exception, for the server log.
/// </summary>
internal static class SqliteErrors
{
    // Primary result codes (https://sqlite.org/rescode.html); extended codes carry the primary one in the low byte.
    private const int Perm = 3;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int NotADb = 26;

    /// <summary>
    /// The error for a failure of the engine or the file system under it, or <see langword="null"/> when
    /// <paramref name="exception"/> is not a storage failure (then the caller reports it as internal).
    /// </summary>
    public static SluiceException? Classify(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: var code } when (code & 0xff) == Full => StoreErrors.StorageFull(exception),
        SqliteException { SqliteErrorCode: var code } when (code & 0xff) is Perm or ReadOnly or IoErr or Corrupt or CantOpen or NotADb
            => StoreErrors.StorageFailed(exception),
        IOException { HResult: var h } when IsDiskFull(h) => StoreErrors.StorageFull(exception),
        IOException or UnauthorizedAccessException => StoreErrors.StorageFailed(exception),
        _ => null,
    };

    // ENOSPC on Unix (28) and ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows, as IOException.HResult carries them.
    private static bool IsDiskFull(int hresult) => (hresult & 0xffff) is 28 or 39 or 112;
}
