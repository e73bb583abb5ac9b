namespace Sluice.Security;

/// <summary>
/// The principal of the request being served, flowing with the async call (an <see cref="AsyncLocal{T}"/>), and the
/// one check every broker operation makes. A face authenticates a request, then serves it inside
/// <see cref="Enter"/>; the broker calls <see cref="Demand"/> before it reads or changes anything, so a refused
/// request changes nothing, and each face maps <see cref="ErrorCodes.AccessDenied"/> to its protocol's error.
/// Outside any <see cref="Enter"/> (an embedding application calling the broker in-process) everything is allowed.
/// </summary>
/// <remarks>
/// Permission per operation: <see cref="SluicePermissions.Publish"/> for send, publish and append (and key-value set
/// and delete); <see cref="SluicePermissions.Consume"/> for receive, peek, ack, nack, extend, stats, stream reads and
/// consumer-group reads, acks and claims (and key-value get and list); <see cref="SluicePermissions.Admin"/> for
/// create, update, purge and delete of queues, topics, subscriptions, streams and consumer groups, dead letters and
/// redrives (on the dead-letter queue and on every queue the messages move to), a queue's dead-letter queue (on both
/// queues), API keys and the cluster listing (resource <see langword="null"/>). Listings show the names the principal
/// has any permission on.
/// </remarks>
public static class SluiceAccess
{
    private static readonly AsyncLocal<SluicePrincipal?> CurrentPrincipal = new();

    /// <summary>The principal of the request being served, or <see langword="null"/> outside any <see cref="Enter"/> (in-process calls: everything allowed).</summary>
    public static SluicePrincipal? Current => CurrentPrincipal.Value;

    /// <summary>Serves the rest of this async flow as <paramref name="principal"/>, until the returned scope is disposed.</summary>
    /// <param name="principal">The authenticated principal.</param>
    /// <returns>A scope that restores the previous principal when disposed.</returns>
    public static Scope Enter(SluicePrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var previous = CurrentPrincipal.Value;
        CurrentPrincipal.Value = principal;
        return new Scope(previous);
    }

    /// <summary>Throws unless the current principal (if any) has <paramref name="needed"/> on <paramref name="resource"/>.</summary>
    /// <param name="needed">The permission the operation needs.</param>
    /// <param name="resource">The queue, topic, stream or key name; <see langword="null"/> for an operation on no one resource.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.AccessDenied"/>, naming the principal, the permission and the resource.</exception>
    public static void Demand(SluicePermissions needed, string? resource)
    {
        var principal = CurrentPrincipal.Value;
        if (principal is null || principal.IsAllowed(needed, resource))
        {
            return;
        }

        throw Denied(principal, needed, resource);
    }

    /// <summary>Whether the current principal (if any) may see <paramref name="resource"/> in a listing.</summary>
    /// <param name="resource">The name listed.</param>
    public static bool MaySee(string resource) => CurrentPrincipal.Value is not { } principal || principal.SeesAny(resource);

    /// <summary>The <see cref="ErrorCodes.AccessDenied"/> error for <paramref name="principal"/>.</summary>
    public static SluiceException Denied(SluicePrincipal principal, SluicePermissions needed, string? resource)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var what = needed.ToString().ToLowerInvariant();
        return new SluiceException(ErrorCodes.AccessDenied, resource is null
            ? $"access denied: '{principal.Name}' lacks the {what} permission on the server (a grant on '*')"
            : $"access denied: '{principal.Name}' lacks the {what} permission on '{resource}'", null);
    }

    /// <summary>Restores the previous principal when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly SluicePrincipal? _previous;

        internal Scope(SluicePrincipal? previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose() => CurrentPrincipal.Value = _previous;
    }
}
