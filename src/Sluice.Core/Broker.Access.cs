global using Sluice.Security;

namespace Sluice;

/// <summary>
/// Authorization: every public operation first calls <see cref="SluiceAccess.Demand"/> with the permission the table
/// in <see cref="SluiceAccess"/> names (before it reads or changes anything, so a refused request changes nothing), and
/// listings keep only the names <see cref="SluiceAccess.MaySee"/>. Outside any <see cref="SluiceAccess.Enter"/> (an
/// embedding application calling in-process) everything is allowed.
/// </summary>
public sealed partial class Broker
{
    /// <summary>Throws access_denied unless the current principal has some permission on <paramref name="resource"/> (reading a resource's description).</summary>
    private static void DemandSee(string resource)
    {
        if (SluiceAccess.Current is { } principal && !principal.SeesAny(resource))
        {
            throw SluiceAccess.Denied(principal, SluicePermissions.Consume, resource);
        }
    }

    /// <summary>The items of a listing whose names the current principal may see (all of them outside any principal).</summary>
    private static IReadOnlyList<T> Visible<T>(IReadOnlyList<T> items, Func<T, string> name) =>
        SluiceAccess.Current is null ? items : [.. items.Where(i => SluiceAccess.MaySee(name(i)))];
}
