namespace Sluice.Worker;

/// <summary>
/// A job the worker refused to run: its type is not registered here, its body is not valid JSON for its type, or its
/// attempts were used up by runs that never finished (a worker crashed or lost the lease each time). Recorded as the
/// job's failure when it is dead-lettered.
/// </summary>
public sealed class JobRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JobRejectedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JobRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public JobRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
