namespace Sluice.Security;

/// <summary>
/// Who made a request, once a face authenticated it: an API key, a JWT's subject, a SigV4 access key or a RESP user,
/// with the grants that say what it may do.
/// </summary>
/// <param name="Id">A stable id: an API key's id, <c>jwt:&lt;subject&gt;</c>, <c>sigv4:&lt;access key id&gt;</c>.</param>
/// <param name="Name">A readable name for logs and the audit log (the key's name, the JWT's subject).</param>
/// <param name="Grants">What it may do; the union of the grants applies.</param>
public sealed record SluicePrincipal(string Id, string Name, IReadOnlyList<AccessGrant> Grants)
{
    /// <summary>A principal that may do everything, for the given id and name.</summary>
    public static SluicePrincipal Administrator(string id, string name) => new(id, name, [new AccessGrant("*", SluicePermissions.All)]);

    /// <summary>Whether some grant allows every permission in <paramref name="needed"/> on <paramref name="resource"/>.</summary>
    /// <param name="needed">The permissions the action needs (usually one).</param>
    /// <param name="resource">The resource's name, or <see langword="null"/> for an action on no one resource (a listing, the cluster).</param>
    public bool IsAllowed(SluicePermissions needed, string? resource)
    {
        var granted = SluicePermissions.None;
        foreach (var grant in Grants)
        {
            if (resource is null ? grant.Pattern == "*" : grant.Matches(resource))
            {
                granted |= grant.Permissions;
            }
        }

        return (granted & needed) == needed;
    }

    /// <summary>Whether some grant gives any permission on <paramref name="resource"/> (listings show only such names).</summary>
    /// <param name="resource">The resource's name.</param>
    public bool SeesAny(string resource)
    {
        foreach (var grant in Grants)
        {
            if (grant.Permissions != SluicePermissions.None && grant.Matches(resource))
            {
                return true;
            }
        }

        return false;
    }
}
