namespace Sluice.Cli.Http;

/// <summary>
/// A request the CLI made failed: the message is the one line printed after <c>error: </c> (the server's
/// problem+json <c>detail</c>, or why the server could not be reached).
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(string message, string? code = null, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    public CliException()
    {
    }

    public CliException(string message) : base(message)
    {
    }

    public CliException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The server's error code (one of <c>Sluice.ErrorCodes</c>), or <see langword="null"/> when no server answered.</summary>
    public string? Code { get; }

    /// <summary>The queue the failed request named, when it named one (used in the hint printed after the message).</summary>
    public string? Queue { get; init; }

    /// <summary>The request field the server's error names (problem+json <c>field</c>), when it names one.</summary>
    public string? Field { get; init; }

    /// <summary>Whether the message already says what to do, so no hint by error code is added after it (default false).</summary>
    public bool SaysWhatToDo { get; init; }
}
